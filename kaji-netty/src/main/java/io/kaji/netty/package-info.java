/**
 * Netty plumbing shared by the API server and the node agent: {@link io.kaji.netty.ByteRelay}, which joins two
 * upgraded connections byte for byte, and {@link io.kaji.netty.PeerHandler}, the back-pressure and closing rules
 * that it and the API server's stream translators ({@code io.kaji.apiserver.nodeproxy}) share. Depends on Netty
 * and slf4j only.
 */
package io.kaji.netty;
