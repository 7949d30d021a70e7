using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting.Logging;
using LogLevel = Akka.Event.LogLevel;
using Debug = Akka.Event.Debug;

namespace PaymentActors.Node.Observability;

/// <summary>
/// Akka.Hosting's bridge from Akka's log events to Microsoft.Extensions.Logging, with each event's level first
/// checked by <see cref="AkkaLogLevels.Classify"/> (with this node's view of which members left the cluster): an event it lowers is written at the lower level (and, below the
/// configured minimum, not at all).
/// </summary>
public sealed class NodeAkkaLogger : LoggerFactoryLogger
{
    protected override void Log(LogEvent log, ActorPath path)
    {
        var level = log.LogLevel();
        // Only warnings and errors are ever lowered: everything else goes through without being formatted twice.
        var classified = level is LogLevel.WarningLevel or LogLevel.ErrorLevel
            ? AkkaLogLevels.Classify(level, log.LogSource, Format(log), log.Cause ?? (log.Message as LogMessage)?.Parameters().OfType<Exception>().FirstOrDefault(),
                HasLeftCluster)
            : level;
        base.Log(classified == level ? log : At(classified, log), path);
    }

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
        catch (Exception)
        {
            // An argument whose ToString throws (Akka's formatter copes with malformed templates itself): the event keeps
            // its level, and the base logger writes it with its own explanation.
            return "";
        }
    }

    private static LogEvent At(LogLevel level, LogEvent log) => level switch
    {
        LogLevel.DebugLevel => new Debug(log.Cause, log.LogSource, log.LogClass, log.Message),
        LogLevel.InfoLevel => new Info(log.Cause, log.LogSource, log.LogClass, log.Message),
        LogLevel.WarningLevel => new Warning(log.Cause, log.LogSource, log.LogClass, log.Message),
        _ => new Error(log.Cause, log.LogSource, log.LogClass, log.Message),
    };
}
