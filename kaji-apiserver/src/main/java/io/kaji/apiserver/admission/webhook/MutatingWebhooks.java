package io.kaji.apiserver.admission.webhook;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.Verdict;

/** The MutatingAdmissionWebhook plugin: the webhooks of every MutatingWebhookConfiguration (see {@link Webhooks}). */
public final class MutatingWebhooks extends Webhooks implements MutatingPlugin {

    public static final String NAME = "MutatingAdmissionWebhook";

    public MutatingWebhooks(ClusterObjects objects) {
        super(objects, new WebhookCaller(), "mutatingwebhookconfigurations", true);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict admit(AdmissionAttributes attributes) {
        return run(attributes);
    }
}
