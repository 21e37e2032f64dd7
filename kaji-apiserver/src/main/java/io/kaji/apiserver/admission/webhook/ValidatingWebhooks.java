package io.kaji.apiserver.admission.webhook;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;

/**
 * The ValidatingAdmissionWebhook plugin: the webhooks of every ValidatingWebhookConfiguration (see
 * {@link Webhooks}).
 */
public final class ValidatingWebhooks extends Webhooks implements ValidatingPlugin {

    public static final String NAME = "ValidatingAdmissionWebhook";

    public ValidatingWebhooks(ClusterObjects objects) {
        super(objects, new WebhookCaller(), "validatingwebhookconfigurations", false);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict validate(AdmissionAttributes attributes) {
        return run(attributes);
    }
}
