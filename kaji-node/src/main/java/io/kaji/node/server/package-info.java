/**
 * The node agent's HTTPS endpoint (the kubelet's port 10250): {@code containerLogs} for the API server's
 * {@code pods/log}, authenticated by client certificates of the cluster CA.
 */
package io.kaji.node.server;
