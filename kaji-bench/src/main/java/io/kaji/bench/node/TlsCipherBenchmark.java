package io.kaji.bench.node;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one 16-KiB TLS record's encryption with the two AEAD ciphers TLS 1.3 offers, on the node agent's JIT
 * ({@code -XX:TieredStopAtLevel=1}, C1 only: its default JVM options) and on the JDK's default (C1 and C2). The JDK's
 * AES-GCM intrinsics belong to C2, so the agent offers ChaCha20-Poly1305 first (io.kaji.node.server.ChaChaFirst).
 * Each operation initialises the cipher with a fresh nonce and encrypts one record, as a TLS connection does per
 * record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsCipherBenchmark {

    /** TLS's largest record. */
    static final int RECORD = 16 * 1024;

    private final byte[] record = new byte[RECORD];
    private final byte[] nonce = new byte[12];
    private long counter;
    private Cipher aes;
    private Cipher chacha;
    private SecretKeySpec aesKey;
    private SecretKeySpec chachaKey;

    @Setup
    public void setUp() throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        random.nextBytes(record);
        byte[] key = new byte[32];
        random.nextBytes(key);
        aesKey = new SecretKeySpec(key, 0, 16, "AES");
        chachaKey = new SecretKeySpec(key, "ChaCha20");
        aes = Cipher.getInstance("AES/GCM/NoPadding");
        chacha = Cipher.getInstance("ChaCha20-Poly1305");
    }

    /** A nonce never used before with this key (both ciphers refuse a repeated one). */
    private byte[] nextNonce() {
        long n = ++counter;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (n >>> (8 * i));
        }
        return nonce;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=4"})
    public byte[] aesGcmOnC1() throws GeneralSecurityException {
        return aesGcm();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=4"})
    public byte[] chacha20Poly1305OnC1() throws GeneralSecurityException {
        return chacha20Poly1305();
    }

    @Benchmark
    public byte[] aesGcmOnC2() throws GeneralSecurityException {
        return aesGcm();
    }

    @Benchmark
    public byte[] chacha20Poly1305OnC2() throws GeneralSecurityException {
        return chacha20Poly1305();
    }

    private byte[] aesGcm() throws GeneralSecurityException {
        aes.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nextNonce()));
        return aes.doFinal(record);
    }

    private byte[] chacha20Poly1305() throws GeneralSecurityException {
        chacha.init(Cipher.ENCRYPT_MODE, chachaKey, new IvParameterSpec(nextNonce()));
        return chacha.doFinal(record);
    }
}
