using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// The one place where flags, environment variables and appsettings meet. Lowest to highest priority:
/// appsettings.json (beside the executable, then in the working directory), appsettings.{Environment}.json,
/// environment variables prefixed <c>PAYMENTS_</c> (PAYMENTS_HTTP_PORT → HttpPort: underscores dropped, keys
/// case-insensitive), then the flags given on the command line. The result binds to <see cref="NodeOptions"/>
/// (or any options type with properties named like the keys) and is validated once by <see cref="NodeOptionsValidator"/>.
/// </summary>
public static class NodeSettingsBinder
{
    public const string EnvironmentPrefix = "PAYMENTS_";

    /// <summary>The configuration: appsettings, environment, then the <see cref="SettingOption"/>s given in <paramref name="parse"/>.</summary>
    public static IConfiguration BuildConfiguration(ParseResult parse, IEnumerable<SettingOption> settings)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        var flags = settings
            .Select(s => (s.Key, Value: s.ValueIn(parse)))
            .Where(s => s.Value is not null)
            .Select(s => new KeyValuePair<string, string?>(s.Key, s.Value));
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddInMemoryCollection(EnvironmentSettings())
            .AddInMemoryCollection(flags)
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
                yield return new(name[EnvironmentPrefix.Length..].Replace("_", "", StringComparison.Ordinal), (string?)entry.Value);
            }
        }
    }

    /// <summary>Binds and validates; a value that does not fit its property or fails validation is a usage error naming the setting.</summary>
    public static T BindOptions<T>(IConfiguration config, IValidateOptions<T>? validator = null)
        where T : class, new()
    {
        var options = new T();
        try
        {
            config.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'Port' to type 'System.Int32'."
            throw new CliException($"{FlagOf(e.Message)}: {e.Message}");
        }

        if (validator?.Validate(null, options) is { Failed: true } result)
        {
            throw new CliException(result.Failures.First());
        }

        return options;
    }

    private static string FlagOf(string message)
    {
        var at = message.IndexOf("at '", StringComparison.Ordinal);
        if (at < 0)
        {
            return "configuration";
        }

        var key = message[(at + 4)..].Split('\'')[0];
        return SettingOption.FlagForKey(key);
    }

    /// <summary>The settings of a node host (node verb; the single-node verbs take what applies to them).</summary>
    public static PaymentsNodeSettings ToNodeSettings(NodeOptions options)
    {
        var defaults = new PaymentsNodeSettings();
        var dataDir = options.DataDir ?? defaults.DataDirectory;
        return defaults with
        {
            Host = options.Host,
            Port = options.Port,
            Seeds = SplitList(options.Seeds),
            Roles = SplitList(options.Roles),
            Database = NodeOptionsValidator.ParseDatabase(options.Db),
            ConnectionString = string.IsNullOrEmpty(options.Connection) ? null : options.Connection,
            DataDirectory = dataDir,
            SqliteDurability = NodeOptionsValidator.ParseDurability(options.SqliteDurability),
            ExtraHocon = options.Config is { Length: > 0 } file ? File.ReadAllText(file) : null,
            WindowResultsFile = Path.Combine(dataDir, "window-results.jsonl"),
            AlertsFile = Path.Combine(dataDir, "alerts.jsonl"),
            Windows = defaults.Windows with
            {
                MaxFutureSkew = TimeSpan.FromSeconds(options.MaxFutureSkew),
                SourceIdleTimeout = TimeSpan.FromSeconds(options.WindowSourceIdleTimeout),
                Partitions = options.WindowPartitions,
            },
        };
    }

    public static IReadOnlyList<string> SplitList(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static string Invariant(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
