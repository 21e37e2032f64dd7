/**
 * The API server's side of the node agents' endpoint (the kubelet port): the client certificate it presents and
 * the HTTPS client through which {@code pods/log} reaches a pod's node.
 */
package io.kaji.apiserver.nodeproxy;
