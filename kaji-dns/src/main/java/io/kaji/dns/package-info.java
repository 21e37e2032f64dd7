/** Cluster DNS: answers for Services and pods under the cluster domain from the Kubernetes API (dnsjava), forwards other names upstream. */
package io.kaji.dns;
