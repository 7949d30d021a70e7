using Microsoft.Extensions.Options;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// Everything a node host can be told, one property per configuration key (flag <c>--data-dir</c>, environment
/// <c>PAYMENTS_DATA_DIR</c>, appsettings <c>"DataDir"</c>). Adding a setting: a property here and one
/// <see cref="SettingOption"/> line on the verbs that take it.
/// </summary>
public sealed class NodeOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 4053;
    public string? Seeds { get; set; }
    public string? Roles { get; set; }
    public string Db { get; set; } = "sqlite";
    public string? Connection { get; set; }

    /// <summary>Null: the verb's default (<c>data</c> for a node, a fresh directory per demo run).</summary>
    public string? DataDir { get; set; }

    public string SqliteDurability { get; set; } = "normal";
    public string? Config { get; set; }
    public int HttpPort { get; set; } = 8080;
    public int MaxIngestRequests { get; set; } = 4;
    public string? Rules { get; set; }

    /// <summary>Largest POST /transactions body with a Content-Length (read whole before answering); larger: 413.</summary>
    public long MaxIngestBodyBytes { get; set; } = 64L << 20;

    /// <summary>Largest chunked POST /transactions body (streamed); past it every record read is answered, then an error line.</summary>
    public long MaxIngestStreamBytes { get; set; } = 1L << 30;

    /// <summary>Seconds a record's event time may be ahead of the node's clock before it is rejected (field: timestamp).</summary>
    public long MaxFutureSkew { get; set; } = (long)Domain.Ingestion.IngestionOptions.DefaultMaxFutureSkew.TotalSeconds;

    /// <summary>Seconds a POST /transactions record may wait for its durable answer before it is answered Unknown (or the request 503).</summary>
    public long IngestDeliveryDeadline { get; set; } = 15;

    /// <summary>Seconds a window source may send nothing before the collector stops waiting for its watermark.</summary>
    public long WindowSourceIdleTimeout { get; set; } = (long)Cluster.Analytics.WindowSettings.Default.SourceIdleTimeout.TotalSeconds;

    /// <summary>Journal projections computing the windows; every node of a cluster must use the same number.</summary>
    public int WindowPartitions { get; set; } = Cluster.Analytics.WindowSettings.Default.Partitions;

    /// <summary>text | json; validated by <c>NodeLogOptions.From</c>.</summary>
    public string? LogFormat { get; set; }

    /// <summary>debug | info | warning | error | critical; validated by <c>NodeLogOptions.From</c>.</summary>
    public string? LogLevel { get; set; }
}

/// <summary>Validates <see cref="NodeOptions"/> once, before anything starts; each failure names its flag.</summary>
public sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"--port: {options.Port} is not a TCP port (0-65535)");
        }

        if (options.HttpPort is < 0 or > 65535)
        {
            failures.Add($"--http-port: {options.HttpPort} is not a TCP port (0-65535)");
        }

        if (options.MaxIngestBodyBytes < 1)
        {
            failures.Add($"--max-ingest-body-bytes: {options.MaxIngestBodyBytes} must be at least 1");
        }

        if (options.MaxIngestStreamBytes < 1)
        {
            failures.Add($"--max-ingest-stream-bytes: {options.MaxIngestStreamBytes} must be at least 1");
        }

        if (options.MaxFutureSkew < 1)
        {
            failures.Add($"--max-future-skew: {options.MaxFutureSkew} must be at least 1 (seconds)");
        }

        if (options.IngestDeliveryDeadline is < 1 or > 3600)
        {
            failures.Add($"--ingest-delivery-deadline: {options.IngestDeliveryDeadline} must be from 1 to 3600 (seconds)");
        }

        if (options.WindowSourceIdleTimeout < 1)
        {
            failures.Add($"--window-source-idle-timeout: {options.WindowSourceIdleTimeout} must be at least 1 (seconds)");
        }

        if (options.WindowPartitions is < 1 or > 64)
        {
            failures.Add($"--window-partitions: {options.WindowPartitions} must be from 1 to 64");
        }

        if (options.MaxIngestRequests < 1)
        {
            failures.Add($"--max-ingest-requests: {options.MaxIngestRequests} must be at least 1");
        }

        if (!TryParseDatabase(options.Db, out var db))
        {
            failures.Add($"--db: '{options.Db}' is not one of sqlite, postgres, memory");
        }
        else if (db == DatabaseKind.Postgres && string.IsNullOrWhiteSpace(options.Connection))
        {
            failures.Add("--connection: required with --db postgres (e.g. \"Host=127.0.0.1;Database=payments;Username=payments;Password=...\")");
        }

        if (!TryParseDurability(options.SqliteDurability, out _))
        {
            failures.Add($"--sqlite-durability: '{options.SqliteDurability}' is not one of normal, full");
        }

        if (options.Config is { Length: > 0 } config && !File.Exists(config))
        {
            failures.Add($"--config: file '{config}' does not exist");
        }

        if (options.Rules is { Length: > 0 } rules && !File.Exists(rules))
        {
            failures.Add($"--rules: file '{rules}' does not exist");
        }

        foreach (var seed in NodeSettingsBinder.SplitList(options.Seeds))
        {
            if (ClientOptionsValidator.CheckAddress(seed) is { } error)
            {
                failures.Add($"--seeds: {error}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static DatabaseKind ParseDatabase(string value) =>
        TryParseDatabase(value, out var db) ? db : throw new CliException($"--db: '{value}' is not one of sqlite, postgres, memory");

    public static SqliteDurability ParseDurability(string value) =>
        TryParseDurability(value, out var d) ? d : throw new CliException($"--sqlite-durability: '{value}' is not one of normal, full");

    private static bool TryParseDatabase(string? value, out DatabaseKind db)
    {
        (var ok, db) = value switch
        {
            null or "" or "sqlite" => (true, DatabaseKind.Sqlite),
            "postgres" or "postgresql" => (true, DatabaseKind.Postgres),
            "memory" => (true, DatabaseKind.Memory),
            _ => (false, DatabaseKind.Sqlite),
        };
        return ok;
    }

    private static bool TryParseDurability(string? value, out SqliteDurability durability)
    {
        (var ok, durability) = value switch
        {
            null or "" or "normal" => (true, SqliteDurability.Normal),
            "full" => (true, SqliteDurability.Full),
            _ => (false, SqliteDurability.Normal),
        };
        return ok;
    }
}

/// <summary>What the client verbs (submit, query, rules, status) are told: where the cluster is.</summary>
public sealed class ClientOptions
{
    public const string DefaultContact = "akka.tcp://payments@127.0.0.1:4053";

    /// <summary>Comma-separated node addresses; the client tries them in order and falls over to the next.</summary>
    public string Contact { get; set; } = DefaultContact;

    /// <summary>The address the client's own remoting binds to.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Seconds the first answer from any contact may take (TLS handshakes included) before a verb gives up.</summary>
    public long ConnectTimeout { get; set; } = 10;

    public IReadOnlyList<string> Contacts => NodeSettingsBinder.SplitList(Contact);

    /// <summary>TLS and API key of this client (docs/SECURITY.md); set after binding, not a configuration key itself.</summary>
    public Security.SecuritySettings? Security { get; set; }
}

public sealed class ClientOptionsValidator : IValidateOptions<ClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientOptions options)
    {
        if (options.Contacts.Count == 0)
        {
            return ValidateOptionsResult.Fail("--contact: empty; give one or more node addresses such as " + ClientOptions.DefaultContact);
        }

        var failures = options.Contacts.Select(CheckAddress).OfType<string>().Select(e => "--contact: " + e).ToList();
        if (options.ConnectTimeout is < 1 or > 600)
        {
            failures.Add($"--connect-timeout: {options.ConnectTimeout} must be between 1 and 600 (seconds)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Null when <paramref name="address"/> is a node address akka.tcp://SYSTEM@HOST:PORT; else why not.</summary>
    public static string? CheckAddress(string address) =>
        Akka.Actor.Address.TryParse(address, out var parsed) && parsed.Protocol is "akka.tcp" or "akka.ssl.tcp" && parsed.Host is { Length: > 0 } && parsed.Port is > 0 and <= 65535
            ? null
            : $"'{address}' is not a node address like {ClientOptions.DefaultContact}";
}
