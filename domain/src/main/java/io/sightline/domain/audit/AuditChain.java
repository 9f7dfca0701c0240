package io.sightline.domain.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tamper-evident audit export format: NDJSON where every record carries the SHA-256 of the
 * previous record and its own hash, and a last line, the manifest, signed with Ed25519.
 *
 * <p>Hashes and the signature cover a canonical form (keys sorted at every level, no whitespace),
 * so a verifier needs only this class and the file: no database, no Spring.
 *
 * <pre>
 * {"type":"record","seq":0,"prevHash":"000…","hash":"…","body":{…}}
 * …
 * {"type":"manifest","format":"sightline-audit-1","count":N,"finalHash":"…","fleetId":…,
 *  "fromNanos":…,"toNanos":…,"createdAtNanos":…,"publicKey":"base64 X.509","signature":"base64"}
 * </pre>
 */
public final class AuditChain {

    public static final String FORMAT = "sightline-audit-1";
    public static final String GENESIS_HASH = "0".repeat(64);
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private AuditChain() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Writes records one at a time, chaining each to the one before. */
    public static final class Writer {
        private long seq;
        private String prevHash = GENESIS_HASH;

        /** Returns the NDJSON line (without newline) for {@code body}. */
        public String record(JsonNode body) {
            String hash = recordHash(seq, prevHash, body);
            ObjectNode line = MAPPER.createObjectNode();
            line.put("type", "record");
            line.put("seq", seq);
            line.put("prevHash", prevHash);
            line.put("hash", hash);
            line.set("body", body);
            seq++;
            prevHash = hash;
            return write(line);
        }

        public long count() {
            return seq;
        }

        public String finalHash() {
            return prevHash;
        }

        /** The signed manifest line that closes the file. */
        public String manifest(Map<String, Object> scope, long createdAtNanos, PublicKey publicKey, PrivateKey privateKey) {
            ObjectNode m = MAPPER.createObjectNode();
            m.put("type", "manifest");
            m.put("format", FORMAT);
            m.put("count", seq);
            m.put("finalHash", prevHash);
            m.put("createdAtNanos", createdAtNanos);
            scope.forEach((k, v) -> m.set(k, MAPPER.valueToTree(v)));
            m.put("publicKey", Base64.getEncoder().encodeToString(publicKey.getEncoded()));
            try {
                Signature signer = Signature.getInstance("Ed25519");
                signer.initSign(privateKey);
                signer.update(canonical(m).getBytes(StandardCharsets.UTF_8));
                m.put("signature", Base64.getEncoder().encodeToString(signer.sign()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign the audit manifest: " + e.getMessage(), e);
            }
            return write(m);
        }
    }

    /** What verification found. {@code firstBadLine} is 1-based, 0 when the file is valid. */
    public record Verification(boolean valid, long records, int firstBadLine, String problem, String publicKeyFingerprint) {

        static Verification bad(long records, int line, String problem, String fingerprint) {
            return new Verification(false, records, line, problem, fingerprint);
        }
    }

    /**
     * Checks the chain and the signature. With {@code trustedKey} {@code null} the key in the manifest is
     * used and its fingerprint returned, to compare against the exporter's published one.
     */
    public static Verification verify(List<String> lines, PublicKey trustedKey) {
        String prev = GENESIS_HASH;
        long seq = 0;
        int n = lines.size();
        while (n > 0 && lines.get(n - 1).isBlank()) {
            n--;
        }
        if (n == 0) {
            return Verification.bad(0, 1, "the file is empty: expected records and a manifest", null);
        }
        for (int i = 0; i < n - 1; i++) {
            int lineNo = i + 1;
            JsonNode node = parse(lines.get(i));
            if (node == null || !"record".equals(node.path("type").asText())) {
                return Verification.bad(seq, lineNo, "line " + lineNo + " is not an audit record (a record may have been inserted or"
                        + " the manifest moved)", null);
            }
            if (node.path("seq").asLong(-1) != seq) {
                return Verification.bad(seq, lineNo, "record at line " + lineNo + " has seq " + node.path("seq").asText()
                        + ", expected " + seq + ": a record was deleted, inserted or reordered here", null);
            }
            if (!prev.equals(node.path("prevHash").asText())) {
                return Verification.bad(seq, lineNo, "record " + seq + " (line " + lineNo + ") does not chain to the record before it:"
                        + " prevHash differs", null);
            }
            String recomputed = recordHash(seq, prev, node.path("body"));
            if (!recomputed.equals(node.path("hash").asText())) {
                return Verification.bad(seq, lineNo, "record " + seq + " (line " + lineNo + ") was altered: its content does not match"
                        + " its hash", null);
            }
            prev = recomputed;
            seq++;
        }
        int manifestLine = n;
        JsonNode manifest = parse(lines.get(n - 1));
        if (manifest == null || !"manifest".equals(manifest.path("type").asText())) {
            return Verification.bad(seq, manifestLine, "the last line is not a manifest: the file was cut or a record appended", null);
        }
        String fingerprint = null;
        try {
            byte[] keyBytes = Base64.getDecoder().decode(manifest.path("publicKey").asText());
            PublicKey key = trustedKey != null ? trustedKey
                    : KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(keyBytes));
            fingerprint = sha256Hex(key.getEncoded()).substring(0, 16);
            ObjectNode unsigned = ((ObjectNode) manifest).deepCopy();
            unsigned.remove("signature");
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(canonical(unsigned).getBytes(StandardCharsets.UTF_8));
            if (!verifier.verify(Base64.getDecoder().decode(manifest.path("signature").asText()))) {
                return Verification.bad(seq, manifestLine, "the manifest signature is not valid: the manifest was edited or signed by"
                        + " another key", fingerprint);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Verification.bad(seq, manifestLine, "the manifest key or signature is unreadable: " + e.getMessage(), fingerprint);
        }
        if (manifest.path("count").asLong(-1) != seq) {
            return Verification.bad(seq, manifestLine, "the manifest counts " + manifest.path("count").asText() + " records, the file holds "
                    + seq, fingerprint);
        }
        if (!prev.equals(manifest.path("finalHash").asText())) {
            return Verification.bad(seq, manifestLine, "the manifest's final hash does not match the last record", fingerprint);
        }
        return new Verification(true, seq, 0, null, fingerprint);
    }

    static String recordHash(long seq, String prevHash, JsonNode body) {
        return sha256Hex((seq + "\n" + prevHash + "\n" + canonical(body)).getBytes(StandardCharsets.UTF_8));
    }

    /** JSON with keys sorted at every level and no whitespace: the bytes that are hashed and signed. */
    public static String canonical(JsonNode node) {
        return write(sorted(node));
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> fields = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode out = MAPPER.createObjectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            node.forEach(n -> items.add(sorted(n)));
            return MAPPER.createArrayNode().addAll(items);
        }
        return node;
    }

    private static JsonNode parse(String line) {
        try {
            return MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
