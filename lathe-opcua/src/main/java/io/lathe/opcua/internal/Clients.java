package io.lathe.opcua.internal;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.lathe.opcua.SecurityPolicyName;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;

/** Creates Milo clients for a Lathe endpoint configuration. */
public final class Clients {
    private Clients() {}

    /**
     * Discovers the server's endpoints and creates (does not connect) a client for the one that matches the policy:
     * None, or Basic256Sha256 with SignAndEncrypt.
     *
     * @throws UaException when discovery fails or the server offers no matching endpoint
     */
    public static OpcUaClient create(String endpointUrl, SecurityPolicyName policy, String username, String password,
                                     Path dataDir, Duration requestTimeout) throws Exception {
        SecurityPolicy sp = policy == SecurityPolicyName.BASIC256SHA256 ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None;
        MessageSecurityMode mode = sp == SecurityPolicy.None ? MessageSecurityMode.None : MessageSecurityMode.SignAndEncrypt;
        ClientSecurity security = dataDir == null ? null : ClientSecurity.load(dataDir);
        IdentityProvider identity = username == null ? new AnonymousProvider() : new UsernameProvider(username, password);
        String[] offered = new String[1];
        try {
            return OpcUaClient.create(endpointUrl,
                    endpoints -> {
                        StringBuilder b = new StringBuilder();
                        for (EndpointDescription e : endpoints) {
                            b.append(b.length() == 0 ? "" : ", ").append(SecurityPolicy.fromUriSafe(e.getSecurityPolicyUri())
                                    .map(Enum::name).orElse(e.getSecurityPolicyUri())).append('/').append(e.getSecurityMode());
                        }
                        offered[0] = b.toString();
                        Optional<EndpointDescription> match = endpoints.stream()
                                .filter(e -> sp.getUri().equals(e.getSecurityPolicyUri()) && e.getSecurityMode() == mode)
                                .findFirst();
                        return match;
                    },
                    transport -> {},
                    cfg -> {
                        cfg.setApplicationName(LocalizedText.english("Lathe"))
                                .setApplicationUri(ClientSecurity.APPLICATION_URI)
                                .setProductUri("urn:lathe")
                                .setIdentityProvider(identity)
                                .setRequestTimeout(uint(requestTimeout.toMillis()));
                        if (security != null) {
                            cfg.setKeyPair(security.keyPair())
                                    .setCertificate(security.certificate())
                                    .setCertificateChain(new X509Certificate[] {security.certificate()})
                                    .setCertificateValidator(security.validator());
                        }
                    });
        } catch (UaException e) {
            if (offered[0] != null) {
                throw new UaException(e.getStatusCode().value(), "the server offers no endpoint with security policy "
                        + sp.name() + "/" + mode + " (it offers " + offered[0] + ")", e);
            }
            throw e;
        }
    }

    /** A short reason for an exception from Milo: the status code name and message, without stack noise. */
    public static String reason(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        Optional<UaException> ua = UaException.extract(c);
        if (ua.isPresent()) {
            UaException u = ua.get();
            String name = Values.name(u.getStatusCode());
            String msg = u.getMessage();
            return msg == null || msg.isBlank() || msg.equals(name) ? name : name + " (" + msg + ")";
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
