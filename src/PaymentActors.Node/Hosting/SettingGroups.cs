using System.CommandLine;

namespace PaymentActors.Node.Hosting;

/// <summary>The configuration-bound flags, declared once; a verb adds the groups it takes.</summary>
public static class SettingGroups
{
    /// <summary>Where the node's data lives and how it is written: demo, evaluate-risk and node.</summary>
    public static List<SettingOption> Storage(Command c) =>
    [
        SettingOption.Add<string>(c, "--data-dir", nameof(NodeOptions.DataDir), "directory for the SQLite journal, window results, alerts"),
        SettingOption.Add<string>(c, "--sqlite-durability", nameof(NodeOptions.SqliteDurability), "normal (survives a process crash) | full (survives power loss)"),
        SettingOption.Add<string>(c, "--rules", nameof(NodeOptions.Rules), "risk rule set file (docs/RISK.md); default: the shipped rules"),
    ];

    /// <summary>A cluster node: storage plus network, database and HOCON.</summary>
    public static List<SettingOption> Node(Command c) =>
    [
        .. Storage(c),
        SettingOption.Add<string>(c, "--host", nameof(NodeOptions.Host), "address remoting and HTTP bind to (default 127.0.0.1)"),
        SettingOption.Add<int>(c, "--port", nameof(NodeOptions.Port), "remoting port (default 4053; 0 = any)"),
        SettingOption.Add<string>(c, "--seeds", nameof(NodeOptions.Seeds), "seed nodes, comma-separated akka.tcp://payments@H:P (none: join itself)"),
        SettingOption.Add<string>(c, "--roles", nameof(NodeOptions.Roles), "extra cluster roles, comma-separated"),
        SettingOption.Add<string>(c, "--db", nameof(NodeOptions.Db), "sqlite | postgres | memory (default sqlite)"),
        SettingOption.Add<string>(c, "--connection", nameof(NodeOptions.Connection), "database connection string (required with --db postgres)"),
        SettingOption.Add<string>(c, "--config", nameof(NodeOptions.Config), "extra HOCON file, highest priority"),
        SettingOption.Add<int>(c, "--http-port", nameof(NodeOptions.HttpPort), "HTTP API port (default 8080; 0 = none)"),
        SettingOption.Add<int>(c, "--max-ingest-requests", nameof(NodeOptions.MaxIngestRequests), "concurrent POST /transactions requests before 429 (default 4)"),
        SettingOption.Add<long>(c, "--max-ingest-body-bytes", nameof(NodeOptions.MaxIngestBodyBytes), "largest POST /transactions body with a Content-Length (default 64 MiB; larger: 413)"),
        SettingOption.Add<long>(c, "--max-ingest-stream-bytes", nameof(NodeOptions.MaxIngestStreamBytes), "largest chunked POST /transactions body (default 1 GiB)"),
        SettingOption.Add<long>(c, "--max-future-skew", nameof(NodeOptions.MaxFutureSkew), "seconds a record may be dated ahead of this node's clock (default 300)"),
        SettingOption.Add<long>(c, "--ingest-delivery-deadline", nameof(NodeOptions.IngestDeliveryDeadline),
            "seconds a POST /transactions record may wait for its durable answer before it is answered Unknown (default 15)"),
        SettingOption.Add<long>(c, "--window-source-idle-timeout", nameof(NodeOptions.WindowSourceIdleTimeout),
            "seconds a window source may send nothing before the collector stops waiting for it (default 30)"),
        SettingOption.Add<int>(c, "--window-partitions", nameof(NodeOptions.WindowPartitions),
            "journal projections computing the windows, spread over the nodes; the same on every node (default 2)"),
    ];

    /// <summary>One log for the process (docs/OBSERVABILITY.md): demo and node.</summary>
    public static List<SettingOption> Logging(Command c) =>
    [
        SettingOption.Add<string>(c, "--log-format", nameof(NodeOptions.LogFormat), "text | json (one JSON object per line)"),
        SettingOption.Add<string>(c, "--log-level", nameof(NodeOptions.LogLevel), "debug | info | warning | error | critical"),
    ];

    /// <summary>Mutual TLS on remoting, or an explicit opt-out (docs/SECURITY.md): every node and client verb.</summary>
    private static List<SettingOption> Tls(Command c) =>
    [
        SettingOption.Add<string>(c, "--tls-cert", "TlsCert", "this process's certificate, PEM (paymentactors certs makes them)"),
        SettingOption.Add<string>(c, "--tls-key", "TlsKey", "its private key, PEM"),
        SettingOption.Add<string>(c, "--tls-ca", "TlsCa", "the cluster's CA certificate, PEM: peers must present a certificate it issued"),
        SettingOption.Add<bool>(c, "--insecure", "Insecure", "no TLS and no HTTP authentication: local experiments only"),
    ];

    /// <summary>A node: TLS plus who may call its HTTP API.</summary>
    public static List<SettingOption> NodeSecurity(Command c) =>
    [
        .. Tls(c),
        SettingOption.Add<string>(c, "--api-keys", "ApiKeys", "file of API key hashes with their roles (paymentactors certs writes api-keys.txt)"),
        SettingOption.Add<string>(c, "--jwt-issuer", "JwtIssuer", "JWT bearer tokens: the issuer to accept"),
        SettingOption.Add<string>(c, "--jwt-audience", "JwtAudience", "JWT bearer tokens: the audience to accept"),
        SettingOption.Add<string>(c, "--jwt-signing-key", "JwtSigningKey", "JWT bearer tokens: the HMAC-SHA256 signing key (at least 32 bytes)"),
    ];

    /// <summary>A client of the HTTP API (ingest): its API key and the CA that issued the node's HTTPS certificate.</summary>
    public static List<SettingOption> HttpClient(Command c) =>
    [
        SettingOption.Add<string>(c, "--tls-ca", "TlsCa", "the cluster's CA certificate, PEM, to check an https node against"),
        SettingOption.Add<string>(c, "--api-key", "ApiKey", "API key sent as a bearer token (role ingest)"),
    ];

    /// <summary>The client verbs: where the cluster is, and how to prove who we are.</summary>
    public static List<SettingOption> Client(Command c) =>
    [
        .. Tls(c),
        SettingOption.Add<string>(c, "--api-key", "ApiKey", "API key (for verbs that use HTTP)"),
        SettingOption.Add<string>(c, "--contact", nameof(ClientOptions.Contact), $"node addresses, comma-separated, tried in order (default {ClientOptions.DefaultContact})"),
        SettingOption.Add<string>(c, "--host", nameof(ClientOptions.Host), "address the client's remoting binds to (default 127.0.0.1)"),
        SettingOption.Add<long>(c, "--connect-timeout", nameof(ClientOptions.ConnectTimeout), "seconds to wait for the first contact to answer (default 10)"),
    ];
}
