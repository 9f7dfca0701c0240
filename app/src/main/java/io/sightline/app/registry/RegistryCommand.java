package io.sightline.app.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CloudClient;
import io.sightline.domain.release.ReleaseStatement;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ModelManifest;
import io.sightline.inference.ModelRejectedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./sightline registry keygen|add-model|add-policy} (issue 17 §1, ADR-0025): make a release
 * key pair, sign a model or policy with it and register it in a running cloud. The private key is
 * read only to sign, never sent, printed or logged.
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Sign and register model and policy versions in the cloud's registry (docs/rollouts.md).",
        subcommands = {RegistryCommand.Keygen.class, RegistryCommand.AddModel.class, RegistryCommand.AddPolicy.class})
public final class RegistryCommand implements Runnable {

    public static final String PRIVATE_KEY_FILE = "release.key";
    public static final String PUBLIC_KEY_FILE = "release.pub";
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = {"Write a release key pair: DIR/" + PRIVATE_KEY_FILE + " (PKCS#8, mode 600: keep it off the cloud) and DIR/"
                    + PUBLIC_KEY_FILE + " (X.509: give it to the cloud as sightline.registry.trusted-key-files)."})
    static final class Keygen implements Callable<Integer> {

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the two files; existing keys are never replaced.")
        Path out;

        @Override
        public Integer call() throws IOException {
            Path privateFile = out.resolve(PRIVATE_KEY_FILE);
            Path publicFile = out.resolve(PUBLIC_KEY_FILE);
            if (Files.exists(privateFile) || Files.exists(publicFile)) {
                throw new IllegalArgumentException("--out " + out + " already holds a release key (" + PRIVATE_KEY_FILE + " or " + PUBLIC_KEY_FILE
                        + "); a new key would orphan the signatures of the old one: choose another directory");
            }
            Files.createDirectories(out);
            KeyPair keys;
            try {
                keys = KeyPairGenerator.getInstance(ReleaseStatement.ALGORITHM).generateKeyPair();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JDK has no " + ReleaseStatement.ALGORITHM + "; use Java 17 or newer", e);
            }
            // Created with mode 600 from the start: there is no moment at which others may read it.
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(privateFile);
            }
            Files.writeString(privateFile, ReleaseStatement.pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(publicFile, ReleaseStatement.pem("PUBLIC KEY", keys.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            System.out.println("release key " + ReleaseStatement.keyId(keys.getPublic()) + ": private " + privateFile + " (mode 600), public "
                    + publicFile);
            System.out.println("trust it in the cloud with sightline.registry.trusted-key-files=" + publicFile.toAbsolutePath());
            return 0;
        }
    }

    /** What add-model and add-policy share: the key, the cloud, the token. */
    abstract static class Upload implements Callable<Integer> {

        @Option(names = "--key", required = true, paramLabel = "FILE",
                description = "The release private key (PKCS#8, from registry keygen); its public key is read from the " + PUBLIC_KEY_FILE
                        + " beside it unless --public-key says otherwise.")
        Path key;

        @Option(names = "--public-key", paramLabel = "FILE", description = "The release public key (X.509); names the key id.")
        Path publicKey;

        @Option(names = "--cloud-url", required = true, paramLabel = "URL", description = "The cloud, e.g. http://localhost:8080.")
        String cloudUrl;

        @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding an admin bearer token (else SIGHTLINE_TOKEN).")
        Path tokenFile;

        /** Signs the statement and checks the signature with the public key, so a mismatched pair fails here, not in the cloud. */
        String[] sign(ReleaseStatement statement) throws IOException {
            PrivateKey privateKey;
            try {
                privateKey = ReleaseStatement.privateKey(Files.readString(key, StandardCharsets.US_ASCII));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("--key " + key + ": no such file; make one with ./sightline registry keygen --out DIR");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--key " + key + ": " + e.getMessage());
            }
            Path pub = publicKey != null ? publicKey : key.resolveSibling(key.getFileName().toString().replaceFirst("\\.key$", "") + ".pub");
            PublicKey pk;
            try {
                pk = ReleaseStatement.publicKey(Files.readString(pub, StandardCharsets.US_ASCII));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException(pub + ": no such file; pass the release public key with --public-key FILE");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(pub + ": " + e.getMessage());
            }
            String signature = statement.sign(privateKey);
            if (!statement.verify(pk, signature)) {
                throw new IllegalArgumentException("--key " + key + " and " + pub + " are not one key pair; pass the public key of this private key");
            }
            return new String[] {ReleaseStatement.keyId(pk), signature};
        }

        JsonNode post(String path, ObjectNode body) throws IOException, InterruptedException {
            return new CloudClient(cloudUrl, tokenFile, "admin", "an admin token is needed").call("POST", path, body, Duration.ofMinutes(5));
        }

        static void report(JsonNode r) {
            System.out.println((r.get("alreadyRegistered").asBoolean() ? "already registered: " : "registered: ") + r.get("kind").asText() + " "
                    + (r.get("kind").asText().equals("model") ? r.get("name").asText() + " " : "") + r.get("version").asText()
                    + " sha256 " + r.get("sha256").asText() + " (" + r.get("sizeBytes").asLong() + " bytes, event " + r.get("eventId").asText()
                    + ", " + r.get("registryId").asText() + ", " + r.get("evaluationEventIds").size() + " evaluation(s))");
        }

        static byte[] read(String option, Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(option + file + ": no such file");
            }
            return Files.readAllBytes(file);
        }
    }

    @Command(name = "add-model", mixinStandardHelpOptions = true,
            description = "Sign an ONNX model and its manifest (the format of models/*/manifest.json) and register it.")
    static final class AddModel extends Upload {

        @Parameters(index = "0", paramLabel = "FILE", description = "The ONNX file.")
        Path file;

        @Option(names = "--manifest", required = true, paramLabel = "M", description = "Its manifest.json.")
        Path manifest;

        @Override
        public Integer call() throws IOException, InterruptedException {
            byte[] model = read("", file);
            byte[] manifestBytes = read("--manifest ", manifest);
            ModelManifest m;
            try {
                m = ModelManifest.read(manifest);
            } catch (ModelRejectedException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            String sha256 = ReleaseStatement.sha256Hex(model);
            if (!sha256.equals(m.sha256())) {
                throw new IllegalArgumentException(file + " has sha256 " + sha256 + " but --manifest " + manifest + " says " + m.sha256()
                        + "; pass the manifest of this file");
            }
            ReleaseStatement statement = new ReleaseStatement(ReleaseStatement.MODEL, m.name(), m.version(), sha256, model.length,
                    ReleaseStatement.sha256Hex(manifestBytes));
            String[] signed = sign(statement);
            ObjectNode body = JSON.createObjectNode();
            body.put("manifestBase64", Base64.getEncoder().encodeToString(manifestBytes));
            body.put("artifactBase64", Base64.getEncoder().encodeToString(model));
            body.put("keyId", signed[0]);
            body.put("signatureBase64", signed[1]);
            report(post("api/v1/registry/models", body));
            return 0;
        }
    }

    @Command(name = "add-policy", mixinStandardHelpOptions = true,
            description = "Sign a risk policy file (docs/risk-policy.md) and register it under its own version.")
    static final class AddPolicy extends Upload {

        @Parameters(index = "0", paramLabel = "FILE", description = "The policy JSON.")
        Path file;

        @Override
        public Integer call() throws IOException, InterruptedException {
            byte[] bytes = read("", file);
            RiskPolicy policy;
            try {
                policy = RiskPolicy.fromJson(new String(bytes, StandardCharsets.UTF_8));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " is not a valid risk policy: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
            ReleaseStatement statement = new ReleaseStatement(ReleaseStatement.POLICY, ReleaseStatement.POLICY, policy.version(),
                    ReleaseStatement.sha256Hex(bytes), bytes.length, ReleaseStatement.NO_MANIFEST);
            String[] signed = sign(statement);
            ObjectNode body = JSON.createObjectNode();
            body.put("artifactBase64", Base64.getEncoder().encodeToString(bytes));
            body.put("keyId", signed[0]);
            body.put("signatureBase64", signed[1]);
            report(post("api/v1/registry/policies", body));
            return 0;
        }
    }
}
