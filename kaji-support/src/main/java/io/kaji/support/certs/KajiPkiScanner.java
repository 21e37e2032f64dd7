package io.kaji.support.certs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The certificates of a Kaji data dir: every {@code *.crt} under {@code pki/} and the client certificates embedded
 * in its kubeconfigs ({@code kubeconfig}, {@code *.conf}), named as {@code kubeadm certs check-expiration} names
 * them (the file's path relative to {@code pki/} without {@code .crt}, e.g. {@code apiserver}; kubeconfigs by
 * their file name). Each certificate's CERTIFICATE AUTHORITY is the data dir's CA whose key signed it; a
 * certificate is externally managed when the key of its CA is not in the data dir, so Kaji could not renew it.
 *
 * <p>Container state, images, logs and store data outside {@code pki/} are not walked; files over 1 MiB are
 * skipped.
 */
public final class KajiPkiScanner {

    private static final long MAX_FILE = 1 << 20;
    private static final Set<String> SKIPPED_DIRS = Set.of("containerd", "images", "image-cache", "pods", "logs",
            "cni", "ipam", "run", "state", "snapshots", "content", "etcd", "db", "volumes", "containers");
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final Path dataDir;

    public KajiPkiScanner(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** One certificate read from a file, before the CA relationships are known. */
    private record Found(String name, Path file, X509Certificate cert, boolean kubeconfig) {
    }

    /**
     * Scans the data dir.
     *
     * @throws IOException if the data dir cannot be read at all
     */
    public List<CertificateEntry> scan(Instant now, Thresholds thresholds) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new IOException("no such data dir: " + dataDir);
        }
        List<Found> found = new ArrayList<>();
        List<CertificateEntry> invalid = new ArrayList<>();
        Path pki = dataDir.resolve("pki");
        Files.walkFileTree(dataDir, EnumSet.noneOf(java.nio.file.FileVisitOption.class), 4,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        return !dir.startsWith(pki) && SKIPPED_DIRS.contains(dir.getFileName().toString())
                                ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile() && attrs.size() <= MAX_FILE) {
                            read(file, pki, found, invalid);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
        List<CertificateEntry> entries = new ArrayList<>();
        for (Found f : found) {
            Found ca = issuerOf(f.cert(), found);
            String authority = ca == null || ca == f ? "" : ca.name();
            Boolean external = ca == null ? null : !Files.exists(keyOf(ca.file()));
            entries.add(CertificateEntry.of(f.name(), Source.KAJI_PKI, null, f.file().toString(), f.cert(),
                    authority, external, now, thresholds));
        }
        entries.addAll(invalid);
        return entries;
    }

    private void read(Path file, Path pki, List<Found> found, List<CertificateEntry> invalid) {
        String fileName = file.getFileName().toString();
        // pki/ and the pki/ directories of components below the data dir (node/pki: the in-process agent's
        // node client certificate, which it rotates itself).
        boolean inPki = file.startsWith(pki) || (file.getParent() != null && file.getParent().getFileName() != null
                && file.getParent().getFileName().toString().equals("pki"));
        boolean certFile = inPki && (fileName.endsWith(".crt") || fileName.endsWith(".pem"));
        boolean kubeconfig = fileName.equals("kubeconfig") || fileName.endsWith(".conf")
                || fileName.endsWith(".kubeconfig");
        if (!certFile && !kubeconfig) {
            return;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            invalid.add(CertificateEntry.invalid(displayName(file, pki), Source.KAJI_PKI, null, file.toString(),
                    "cannot read: " + e.getMessage()));
            return;
        }
        if (certFile) {
            if (!PemCertificates.containsCertificate(text)) {
                return;
            }
            String name = displayName(file, pki);
            List<PemCertificates.Block> blocks = PemCertificates.parse(text);
            // The first certificate of a file is the one it is named for; the rest is its chain.
            PemCertificates.Block first = blocks.get(0);
            if (first.valid()) {
                found.add(new Found(name, file, first.certificate(), false));
            } else {
                invalid.add(CertificateEntry.invalid(name, Source.KAJI_PKI, null, file.toString(), first.error()));
            }
        } else {
            readKubeconfig(file, found, invalid);
        }
    }

    private void readKubeconfig(Path file, List<Found> found, List<CertificateEntry> invalid) {
        JsonNode doc;
        try {
            doc = YAML.readTree(file.toFile());
        } catch (RuntimeException e) { // JacksonException included
            return; // a .conf file that is not YAML is not a kubeconfig
        }
        if (doc == null || !doc.path("users").isArray()) {
            return;
        }
        String base = dataDir.relativize(file).toString();
        for (JsonNode user : doc.path("users")) {
            String data = user.path("user").path("client-certificate-data").asString("");
            String path = user.path("user").path("client-certificate").asString("");
            String name = doc.path("users").size() > 1 ? base + " (" + user.path("name").asString() + ")" : base;
            String pem;
            try {
                if (!data.isEmpty()) {
                    pem = new String(Base64.getMimeDecoder().decode(data), StandardCharsets.UTF_8);
                } else if (!path.isEmpty()) {
                    pem = Files.readString(file.resolveSibling(path));
                } else {
                    continue; // token users have no certificate
                }
            } catch (IOException | IllegalArgumentException e) {
                invalid.add(CertificateEntry.invalid(name, Source.KAJI_PKI, null, file.toString(),
                        "client certificate unreadable: " + e.getMessage()));
                continue;
            }
            List<PemCertificates.Block> blocks = PemCertificates.parse(pem);
            if (blocks.isEmpty() || !blocks.get(0).valid()) {
                invalid.add(CertificateEntry.invalid(name, Source.KAJI_PKI, null, file.toString(),
                        blocks.isEmpty() ? "client certificate holds no PEM certificate" : blocks.get(0).error()));
            } else {
                found.add(new Found(name, file, blocks.get(0).certificate(), true));
            }
        }
    }

    private String displayName(Path file, Path pki) {
        Path rel = file.startsWith(pki) ? pki.relativize(file) : dataDir.relativize(file);
        String s = rel.toString();
        return s.endsWith(".crt") || s.endsWith(".pem") ? s.substring(0, s.length() - 4) : s;
    }

    /** The CA among {@code all} whose key signed {@code cert}, or null. A self-signed CA is its own issuer. */
    private static Found issuerOf(X509Certificate cert, List<Found> all) {
        for (Found candidate : all) {
            X509Certificate ca = candidate.cert();
            if (candidate.kubeconfig() || ca.getBasicConstraints() < 0
                    || !ca.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                continue;
            }
            try {
                cert.verify(ca.getPublicKey());
                return candidate;
            } catch (java.security.GeneralSecurityException | RuntimeException e) {
                // same name, other key: not this one
            }
        }
        return null;
    }

    private static Path keyOf(Path certFile) {
        String n = certFile.getFileName().toString();
        return certFile.resolveSibling(n.substring(0, n.lastIndexOf('.')) + ".key");
    }
}
