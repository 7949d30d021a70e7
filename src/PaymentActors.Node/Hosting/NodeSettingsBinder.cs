using Microsoft.Extensions.Configuration;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// Binds node settings from, lowest to highest priority: appsettings.json, appsettings.{Environment}.json,
/// environment variables prefixed <c>PAYMENTS_</c> (e.g. PAYMENTS_PORT, PAYMENTS_SEEDS), and flags.
/// The same keys everywhere: Host, Port, Seeds, Db, Connection, DataDir, Roles, HttpPort, SqliteDurability, Config.
/// </summary>
public static class NodeSettingsBinder
{
    public const string EnvironmentPrefix = "PAYMENTS_";

    private static readonly Dictionary<string, string> FlagMap = new(StringComparer.Ordinal)
    {
        ["--host"] = "Host",
        ["--port"] = "Port",
        ["--seeds"] = "Seeds",
        ["--db"] = "Db",
        ["--connection"] = "Connection",
        ["--data-dir"] = "DataDir",
        ["--roles"] = "Roles",
        ["--http-port"] = "HttpPort",
        ["--sqlite-durability"] = "SqliteDurability",
        ["--config"] = "Config",
        ["--file"] = "File",
        ["--format"] = "Format",
        ["--contact"] = "Contact",
        ["--dead-letters"] = "DeadLetters",
        ["--max-ingest-requests"] = "MaxIngestRequests",
        ["--rules"] = "Rules",
        ["--tls-cert"] = "TlsCert",
        ["--tls-key"] = "TlsKey",
        ["--tls-ca"] = "TlsCa",
        ["--api-keys"] = "ApiKeys",
        ["--api-key"] = "ApiKey",
        ["--jwt-issuer"] = "JwtIssuer",
        ["--jwt-audience"] = "JwtAudience",
        ["--jwt-signing-key"] = "JwtSigningKey",
    };

    public static IConfiguration BuildConfiguration(string[] args)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        // Flags without a value (--json) are handled by the verbs; keep them away from the binder.
        var valued = StripSwitches(args);
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddInMemoryCollection(EnvironmentSettings())
            .AddCommandLine(valued, FlagMap)
            .Build();
    }

    /// <summary>PAYMENTS_HTTP_PORT → HttpPort, PAYMENTS_DATA_DIR → DataDir: underscores dropped, keys are case-insensitive.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> EnvironmentSettings()
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                yield return new(name[EnvironmentPrefix.Length..].Replace("_", ""), (string?)entry.Value);
            }
        }
    }

    private static string[] StripSwitches(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (FlagMap.ContainsKey(args[i]))
            {
                if (i + 1 >= args.Length)
                {
                    throw new CliException($"{args[i]}: needs a value");
                }

                result.Add(args[i]);
                result.Add(args[++i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && !args[i].Contains('='))
            {
                // a boolean switch such as --json: not for the configuration binder
            }
            else
            {
                throw new CliException($"{args[i]}: unexpected argument");
            }
        }

        return result.ToArray();
    }

    public static PaymentsNodeSettings Bind(IConfiguration config)
    {
        var settings = new PaymentsNodeSettings();
        var db = config["Db"];
        var extraHocon = config["Config"] is { Length: > 0 } file
            ? File.Exists(file) ? File.ReadAllText(file) : throw new CliException($"--config: file '{file}' does not exist")
            : null;
        return settings with
        {
            Host = config["Host"] ?? settings.Host,
            Port = ParseInt(config["Port"], "port", settings.Port),
            Seeds = SplitList(config["Seeds"]),
            Roles = SplitList(config["Roles"]),
            Database = db switch
            {
                null or "" or "sqlite" => DatabaseKind.Sqlite,
                "postgres" or "postgresql" => DatabaseKind.Postgres,
                "memory" => DatabaseKind.Memory,
                _ => throw new CliException($"--db: '{db}' is not one of sqlite, postgres, memory"),
            },
            ConnectionString = config["Connection"] is { Length: > 0 } c ? c : null,
            DataDirectory = config["DataDir"] ?? settings.DataDirectory,
            SqliteDurability = config["SqliteDurability"] switch
            {
                null or "" or "normal" => SqliteDurability.Normal,
                "full" => SqliteDurability.Full,
                var other => throw new CliException($"--sqlite-durability: '{other}' is not one of normal, full"),
            },
            ExtraHocon = extraHocon,
            WindowResultsFile = Path.Combine(config["DataDir"] ?? settings.DataDirectory, "window-results.jsonl"),
            AlertsFile = Path.Combine(config["DataDir"] ?? settings.DataDirectory, "alerts.jsonl"),
        };
    }

    public static int ParseInt(string? value, string name, int fallback)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        return int.TryParse(value, out var parsed) && parsed >= 0
            ? parsed
            : throw new CliException($"--{name}: '{value}' is not a non-negative integer");
    }

    private static IReadOnlyList<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
