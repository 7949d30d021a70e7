using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using LogLevel = Akka.Event.LogLevel;

namespace PaymentActors.Node.Observability;

/// <summary>
/// Akka's log events into Microsoft.Extensions.Logging, as one log with the node's own lines: each event under the
/// category of the class that logged it (<c>Akka.Cluster.Sharding.ShardRegion</c>, <c>PaymentActors.Cluster.Risk.…</c>),
/// its message as "[source] text" without Akka's own level, time and thread prefix (the console formatter writes
/// those), and the source, thread and Akka's timestamp as structured properties for the JSON format. Warnings and
/// errors are first checked by <see cref="AkkaLogLevels.Classify"/> (with this node's view of which members left the
/// cluster): an event it lowers is written at the lower level (and, below the configured minimum, not at all).
/// </summary>
public sealed class NodeAkkaLogger : LoggerFactoryLogger
{
    /// <summary>Category of events from a string source (no class) not named below: Akka's own infrastructure, mostly.</summary>
    public const string DefaultCategory = "Akka";

    /// <summary>Akka's string sources ("Cluster (akka://payments)", "remoting (…)") by their first word, as their module.</summary>
    private static readonly Dictionary<string, string> StringSourceCategories = new(StringComparer.Ordinal)
    {
        ["Cluster"] = "Akka.Cluster",
        ["remoting"] = "Akka.Remote",
        ["remoting-terminator"] = "Akka.Remote",
    };

    private readonly ILoggerFactory _factory = Context.System.Settings.Setup.Get<LoggerFactorySetup>().Value.LoggerFactory;
    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    protected override void Log(LogEvent log, ActorPath path)
    {
        var level = log.LogLevel();
        var message = Format(log);
        // Only warnings and errors are ever lowered.
        var classified = level is LogLevel.WarningLevel or LogLevel.ErrorLevel
            ? AkkaLogLevels.Classify(level, log.LogSource, message, log.Cause ?? (log.Message as LogMessage)?.Parameters().OfType<Exception>().FirstOrDefault(),
                HasLeftCluster)
            : level;
        var logger = LoggerFor(log.LogClass, log.LogSource);
        var msLevel = ToLogLevel(classified);
        if (logger.IsEnabled(msLevel))
        {
            logger.Log(msLevel, default, new AkkaLogEntry(log.LogSource, message, log.Thread.ManagedThreadId, log.Timestamp), log.Cause,
                static (entry, _) => entry.ToString());
        }
    }

    /// <summary>
    /// The category for events logged by <paramref name="type"/>: its full name, without generic arity or arguments;
    /// for a string source, the module it names.
    /// </summary>
    public static string CategoryOf(Type? type, string? source = null)
    {
        if (type is null || type == typeof(DummyClassForStringSources))
        {
            var firstWord = source?.Split(' ', 2)[0];
            return firstWord is not null && StringSourceCategories.TryGetValue(firstWord, out var module) ? module : DefaultCategory;
        }

        var name = type.IsGenericType ? type.GetGenericTypeDefinition().FullName ?? type.Name : type.FullName ?? type.Name;
        var arity = name.IndexOf('`', StringComparison.Ordinal);
        return (arity < 0 ? name : name[..arity]).Replace('+', '.');
    }

    private ILogger LoggerFor(Type? type, string source)
    {
        var category = CategoryOf(type, source);
        if (!_loggers.TryGetValue(category, out var logger))
        {
            logger = _factory.CreateLogger(category);
            _loggers[category] = logger;
        }

        return logger;
    }

    private static Microsoft.Extensions.Logging.LogLevel ToLogLevel(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
        LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
        LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
        _ => Microsoft.Extensions.Logging.LogLevel.Error,
    };

    /// <summary>
    /// The address is no member of this node's cluster any more, or one on its way out (leaving, exiting, down).
    /// An actor system without a cluster (a client) knows of no member that left.
    /// </summary>
    private bool HasLeftCluster(string remote)
    {
        if (((ExtendedActorSystem)Context.System).Provider is not IClusterActorRefProvider)
        {
            return false;
        }

        Address address;
        try
        {
            address = Address.Parse(remote);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException)
        {
            return false;
        }

        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address.Equals(address));
        return member is null || member.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Down or MemberStatus.Removed;
    }

    private static string Format(LogEvent log)
    {
        try
        {
            return log.Message?.ToString() ?? "";
        }
        catch (Exception e)
        {
            // An argument whose ToString throws: the event keeps its level, with its template and why it has no text.
            return $"{(log.Message as LogMessage)?.Format ?? log.Message?.GetType().Name} (arguments not formatted: {e.GetType().Name}: {e.Message})";
        }
    }
}

/// <summary>
/// One Akka log event as structured state: the console formatters write <see cref="ToString"/> as the message and, in
/// JSON, each pair as a property.
/// </summary>
public readonly struct AkkaLogEntry(string source, string message, int thread, DateTime timestamp) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string Template = "[{LogSource}] {AkkaMessage}";

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("LogSource", source),
        1 => new("AkkaMessage", message),
        2 => new("Thread", thread),
        3 => new("AkkaTimestamp", timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
        4 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"[{source}] {message}";
}
