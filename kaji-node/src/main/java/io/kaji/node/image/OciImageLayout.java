package io.kaji.node.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes an image as an OCI image-layout tarball ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/…})
 * that {@code ctr images import} loads: one gzip layer, the config, the manifest, and an index whose manifest
 * carries the {@code io.containerd.image.name} annotation with the image's full name.
 *
 * <p>Output is deterministic: the same {@link OciImage} always gives the same bytes and digests. Stateless and
 * thread-safe; blocking.
 */
public final class OciImageLayout {

    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String NAME_ANNOTATION = "io.containerd.image.name";
    static final String REF_ANNOTATION = "org.opencontainers.image.ref.name";
    /** 2000-01-01T00:00:00Z: a fixed time for reproducible layers. */
    private static final long EPOCH = 946684800L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The digests of what was written. */
    public record Written(String manifestDigest, String configDigest, String layerDigest, String diffId) {
    }

    private OciImageLayout() {
    }

    /** Writes {@code image} to {@code file} (via a temporary file, then an atomic move). */
    public static Written write(OciImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".image-", ".tar");
            try {
                Written written;
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    written = write(image, out);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return written;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write image " + image.name() + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code image} to {@code out}; does not close it. */
    public static Written write(OciImage image, OutputStream out) throws IOException {
        byte[] layerTar = layerTar(image);
        byte[] layerGz = gzip(layerTar);
        String diffId = sha256(layerTar);
        String layerDigest = sha256(layerGz);
        byte[] config = JSON.writeValueAsBytes(config(image, diffId));
        String configDigest = sha256(config);
        byte[] manifest = JSON.writeValueAsBytes(manifest(configDigest, config.length, layerDigest, layerGz.length));
        String manifestDigest = sha256(manifest);
        byte[] index = JSON.writeValueAsBytes(index(image, manifestDigest, manifest.length));

        TarWriter tar = new TarWriter(out, EPOCH);
        tar.file("oci-layout", 0644, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes());
        tar.file("index.json", 0644, index);
        tar.directory("blobs", 0755);
        tar.directory("blobs/sha256", 0755);
        tar.file(blobPath(layerDigest), 0644, layerGz);
        tar.file(blobPath(configDigest), 0644, config);
        tar.file(blobPath(manifestDigest), 0644, manifest);
        // docker save's manifest.json beside the OCI layout, so tools that read only that format (jib's base
        // images for `kaji image build`) can use the tarball too
        ArrayNode entries = JSON.createArrayNode();
        ObjectNode entry = entries.addObject();
        entry.put("Config", blobPath(configDigest));
        entry.putArray("RepoTags").add(image.name());
        entry.putArray("Layers").add(blobPath(layerDigest));
        tar.file("manifest.json", 0644, JSON.writeValueAsBytes(entries));
        tar.close();
        return new Written(manifestDigest, configDigest, layerDigest, diffId);
    }

    static String blobPath(String digest) {
        return "blobs/sha256/" + digest.substring("sha256:".length());
    }

    private static byte[] layerTar(OciImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, EPOCH);
        for (ImageFile f : image.files()) {
            String name = f.path().substring(1);
            switch (f) {
                case ImageFile.Directory d -> tar.directory(name, d.mode());
                case ImageFile.Regular r -> tar.file(name, r.mode(), r.content());
                case ImageFile.Symlink s -> tar.symlink(name, s.target());
            }
        }
        tar.close();
        return bytes.toByteArray();
    }

    private static ObjectNode config(OciImage image, String diffId) {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", "2000-01-01T00:00:00Z");
        root.put("architecture", "amd64");
        root.put("os", "linux");
        ObjectNode config = root.putObject("config");
        strings(config.putArray("Env"), image.env());
        if (!image.entrypoint().isEmpty()) {
            strings(config.putArray("Entrypoint"), image.entrypoint());
        }
        if (!image.cmd().isEmpty()) {
            strings(config.putArray("Cmd"), image.cmd());
        }
        config.put("WorkingDir", image.workingDir());
        if (!image.user().isEmpty()) {
            config.put("User", image.user());
        }
        ObjectNode rootfs = root.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add(diffId);
        root.putArray("history").addObject().put("created", "2000-01-01T00:00:00Z").put("created_by", "kaji");
        return root;
    }

    private static ObjectNode manifest(String configDigest, long configSize, String layerDigest, long layerSize) {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST_TYPE);
        m.putObject("config").put("mediaType", CONFIG_TYPE).put("digest", configDigest).put("size", configSize);
        m.putArray("layers").addObject().put("mediaType", LAYER_TYPE).put("digest", layerDigest).put("size", layerSize);
        return m;
    }

    private static ObjectNode index(OciImage image, String manifestDigest, long manifestSize) {
        ObjectNode idx = JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode m = idx.putArray("manifests").addObject();
        m.put("mediaType", MANIFEST_TYPE).put("digest", manifestDigest).put("size", manifestSize);
        m.putObject("platform").put("architecture", "amd64").put("os", "linux");
        m.putObject("annotations").put(NAME_ANNOTATION, image.name()).put(REF_ANNOTATION, image.tag());
        return idx;
    }

    private static void strings(ArrayNode array, Iterable<String> values) {
        values.forEach(array::add);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
