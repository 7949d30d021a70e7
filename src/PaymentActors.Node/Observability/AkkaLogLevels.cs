using System.Text.RegularExpressions;
using Akka.Event;
using PaymentActors.Node.Cli;
using LogLevel = Akka.Event.LogLevel;

namespace PaymentActors.Node.Observability;

/// <summary>
/// The level an Akka log event is written at, where Akka's own level says more than happened.
/// <para>
/// One case: a CLI client (<see cref="ClientSession.ClientSystemName"/>) exiting. Its classic remoting sends its
/// goodbye (a Disassociate message) from one actor and shuts the transport down from another, which closes the
/// connection; when the close reaches the node first, the node's endpoint to the client sees a plain disconnect
/// (<c>EndpointDisassociatedException</c>) and Akka logs a warning ("Association with remote system … has failed")
/// and an error ("Disassociated"). Nothing is lost: the client has its answer and is gone on purpose. Those two events
/// are Debug.
/// </para>
/// <para>
/// The other: a node that left the cluster on purpose (leaving, exiting, removed) shutting down. The same race makes its
/// shutdown a warning and an error on the nodes that stay, after the cluster has already moved its shards and
/// singletons. Those two events are Debug too. A node that is still a member (a crash, a lost link) keeps its level.
/// </para>
/// </summary>
public static partial class AkkaLogLevels
{
    private const string EndpointDisassociated = "Akka.Remote.EndpointDisassociatedException";

    /// <summary>
    /// <paramref name="level"/>, or Debug for the plain disassociation of a CLI client's endpoint or of a node that left.
    /// </summary>
    /// <param name="level">The level Akka logged the event at.</param>
    /// <param name="logSource">The event's source: for remoting's endpoint actors, their path (address URL-encoded).</param>
    /// <param name="message">The event's formatted message.</param>
    /// <param name="exception">The event's cause, or the exception among its message's arguments.</param>
    /// <param name="hasLeftCluster">Whether the remote address (e.g. <c>akka.tcp://payments@host:port</c>) is no member of the cluster any more, or one on its way out.</param>
    public static LogLevel Classify(LogLevel level, string logSource, string message, Exception? exception, Func<string, bool>? hasLeftCluster = null)
    {
        var isDisassociation = message == "Disassociated"
            || message.StartsWith("Association with remote system ", StringComparison.Ordinal);
        if (level is not (LogLevel.WarningLevel or LogLevel.ErrorLevel) || !isDisassociation || !IsEndpointDisassociated(exception)
            || RemoteOfEndpoint(logSource) is not { } remote)
        {
            return level;
        }

        return IsClient(remote) || hasLeftCluster?.Invoke(remote) == true ? LogLevel.DebugLevel : level;
    }

    private static bool IsEndpointDisassociated(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // Internal to Akka.Remote: known by name only.
            if (e.GetType().FullName == EndpointDisassociated)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The remote address of an endpoint actor (or a child of one), or null for any other source.</summary>
    private static string? RemoteOfEndpoint(string logSource)
    {
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(logSource);
        }
        catch (UriFormatException)
        {
            return null;
        }

        var match = Endpoint().Match(decoded);
        return match.Success ? match.Groups["remote"].Value : null;
    }

    private static bool IsClient(string remote) => ClientSystem().IsMatch(remote);

    // The endpoint actors' names are "reliableEndpointWriter-" or "endpointWriter-", the remote address URL-encoded, "-N";
    // the address is the scheme (akka.tcp://, with or without TLS), the system's name, @host:port.
    [GeneratedRegex(@"/system/endpointManager/(?:reliableEndpointWriter|endpointWriter)-(?<remote>akka(?:\.[a-z]+)*://[^/@]+@[^/]+)-\d+(?:/|$)",
        RegexOptions.CultureInvariant)]
    private static partial Regex Endpoint();

    [GeneratedRegex(@"^akka(?:\.[a-z]+)*://" + ClientSession.ClientSystemName + "@", RegexOptions.CultureInvariant)]
    private static partial Regex ClientSystem();
}
