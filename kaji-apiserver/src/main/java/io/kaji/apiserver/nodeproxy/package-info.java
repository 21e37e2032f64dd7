/**
 * The API server's side of the node agents' endpoint (the kubelet port): the client certificate it presents, the
 * HTTPS client through which {@code pods/log} reaches a pod's node, and the upgrade proxy for {@code pods/exec},
 * {@code attach} and {@code portforward} ({@link io.kaji.apiserver.nodeproxy.AgentUpgrade}: the client's upgrade
 * request goes to the agent over TLS and, once the agent answers 101, both connections are relayed byte for byte by
 * {@link io.kaji.netty.ByteRelay}), the translation of WebSocket {@code v5.channel.k8s.io} exec and attach into
 * SPDY towards the node ({@link io.kaji.apiserver.nodeproxy.StreamTranslator}) and the unwrapping of SPDY tunnelled
 * through WebSocket for port-forward ({@link io.kaji.apiserver.nodeproxy.SpdyTunnel}). The last two share
 * {@link io.kaji.apiserver.nodeproxy.WebSocketBridge} (the client's WebSocket handshake, pings and close), which
 * builds on {@link io.kaji.netty.PeerHandler} (back-pressure, closing after flush).
 */
package io.kaji.apiserver.nodeproxy;
