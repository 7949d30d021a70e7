using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Observability;

public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// One log for the node: ASP.NET Core, the node's own code and Akka (through Akka.Hosting's logger factory
/// bridge) all write through Microsoft.Extensions.Logging, as single-line text or one JSON object per line.
/// Settings: <c>LogFormat</c> (<c>--log-format</c>, <c>PAYMENTS_LOG_FORMAT</c>) and <c>LogLevel</c>
/// (<c>--log-level</c>, <c>PAYMENTS_LOG_LEVEL</c>).
/// </summary>
public sealed record NodeLogOptions(LogFormat Format, LogLevel Level)
{
    public static readonly NodeLogOptions Default = new(LogFormat.Text, LogLevel.Information);

    public static NodeLogOptions From(IConfiguration config, LogLevel defaultLevel = LogLevel.Information) => new(
        config["LogFormat"]?.ToLowerInvariant() switch
        {
            null or "" or "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            var other => throw new CliException($"log-format: '{other}' is not one of text, json"),
        },
        config["LogLevel"]?.ToLowerInvariant() switch
        {
            null or "" => defaultLevel,
            "trace" or "debug" => LogLevel.Debug,
            "information" or "info" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            var other => throw new CliException($"log-level: '{other}' is not one of debug, info, warning, error, critical"),
        });

    /// <summary>Console output in the chosen format; framework chatter (per-request lines) only from Warning up.</summary>
    public void Apply(ILoggingBuilder logging)
    {
        logging.ClearProviders().SetMinimumLevel(Level);
        logging.AddFilter("Microsoft", (LogLevel)Math.Max((int)Level, (int)LogLevel.Warning));
        // A failing health check is a state that /readyz reports (starting, journal outage), not an error to log.
        logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        if (Format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    }

    /// <summary>
    /// Akka's log events go to the same logger factory, at the same level, through <see cref="NodeAkkaLogger"/>
    /// (which lowers the expected disconnect of a CLI client, or of a node that left, to Debug: <see cref="AkkaLogLevels"/>).
    /// </summary>
    public void Apply(AkkaConfigurationBuilder akka) => akka.ConfigureLoggers(loggers =>
    {
        loggers.LogLevel = Level switch
        {
            LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
            LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
            LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
            _ => Akka.Event.LogLevel.ErrorLevel,
        };
        loggers.ClearLoggers();
        loggers.AddLogger<NodeAkkaLogger>();
    });
}
