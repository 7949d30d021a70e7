using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;
using PaymentActors.Node.Observability;
using AkkaLevel = Akka.Event.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// A CLI client's exit that reaches the node as a plain disconnect is Debug; every other disassociation, and every
/// other warning and error, keeps its level. The sources and messages are the ones Akka.Remote writes.
/// </summary>
public sealed class AkkaLogLevelsTests
{
    private const string ClientAddress = "akka.ssl.tcp://payments-client@127.0.0.1:33373";
    private const string NodeAddress = "akka.ssl.tcp://payments@127.0.0.1:4054";

    // The gating warning comes from the endpoint's supervisor (source: its path with the node's address), the
    // "Disassociated" error from the supervisor strategy (source: the failed writer's local path).
    private static string Supervisor(string remote) =>
        $"akka.ssl.tcp://payments@127.0.0.1:4053/system/endpointManager/reliableEndpointWriter-{Encode(remote)}-33";

    private static string Writer(string remote) => $"akka://payments/system/endpointManager/reliableEndpointWriter-{Encode(remote)}-33/endpointWriter";

    // Akka encodes the remote address in the actor name as WebUtility.UrlEncode does.
    private static string Encode(string address) => System.Net.WebUtility.UrlEncode(address);

    private static string Gated(string remote) =>
        $"Association with remote system {remote} has failed; address is now gated for 5000 ms. Reason is: [Akka.Remote.EndpointDisassociatedException: Disassociated]";

    private static Exception EndpointDisassociated() =>
        (Exception)Activator.CreateInstance(typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.EndpointDisassociatedException", throwOnError: true)!,
            "Disassociated")!;

    private static Exception OtherEndpointFailure() =>
        (Exception)Activator.CreateInstance(typeof(Akka.Remote.RemoteSettings).Assembly.GetType("Akka.Remote.EndpointException", throwOnError: true)!,
            "Failed to write message to the transport", new IOException("Broken pipe"))!;

    [Fact]
    public void A_clients_close_arriving_before_its_goodbye_is_debug()
    {
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, Supervisor(ClientAddress), Gated(ClientAddress), EndpointDisassociated()));
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(ClientAddress), "Disassociated", EndpointDisassociated()));
    }

    [Fact]
    public void A_client_without_tls_and_a_lower_case_encoding_are_recognised_too()
    {
        const string plain = "akka.tcp://payments-client@127.0.0.1:40001";
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(plain), "Disassociated", EndpointDisassociated()));
        Assert.Equal(AkkaLevel.DebugLevel,
            AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(plain).Replace("%3A", "%3a").Replace("%2F", "%2f"), "Disassociated", EndpointDisassociated()));
    }

    [Fact]
    public void A_nodes_disassociation_keeps_its_level()
    {
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, Supervisor(NodeAddress), Gated(NodeAddress), EndpointDisassociated()));
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(NodeAddress), "Disassociated", EndpointDisassociated()));
    }

    [Fact]
    public void A_node_that_left_the_cluster_shutting_down_is_debug_and_a_member_keeps_its_level()
    {
        string? asked = null;
        bool Left(string remote)
        {
            asked = remote;
            return remote == NodeAddress;
        }

        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(NodeAddress), "Disassociated", EndpointDisassociated(), Left));
        Assert.Equal(NodeAddress, asked);
        Assert.Equal(AkkaLevel.DebugLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, Supervisor(NodeAddress), Gated(NodeAddress), EndpointDisassociated(), Left));

        // Still a member (crashed, or its link lost): the same events keep their level.
        const string member = "akka.ssl.tcp://payments@127.0.0.1:4055";
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(member), "Disassociated", EndpointDisassociated(), Left));
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, Supervisor(member), Gated(member), EndpointDisassociated(), Left));

        // A node that left but failed otherwise than by a plain disconnect keeps its level.
        var failure = OtherEndpointFailure();
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(NodeAddress), failure.Message, failure, Left));
    }

    [Theory]
    [InlineData("akka.ssl.tcp://payments-client2@127.0.0.1:33373")]
    [InlineData("akka.ssl.tcp://my-payments-client@127.0.0.1:33373")]
    public void A_system_whose_name_only_resembles_the_clients_keeps_its_level(string remote) =>
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(remote), "Disassociated", EndpointDisassociated()));

    [Fact]
    public void Another_failure_of_a_clients_endpoint_keeps_its_level()
    {
        var failure = OtherEndpointFailure();
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(ClientAddress), failure.Message, failure));
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, Supervisor(ClientAddress),
            $"Association with remote system {ClientAddress} has failed; address is now gated for 5000 ms. Reason is: [{failure}]", failure));
        // The same message without the disconnect as its cause.
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(ClientAddress), "Disassociated", null));
    }

    [Fact]
    public void Other_errors_keep_their_level_even_with_the_same_cause_or_naming_the_client()
    {
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, "akka://payments/user/client-gateway", "Disassociated", EndpointDisassociated()));
        Assert.Equal(AkkaLevel.ErrorLevel, AkkaLogLevels.Classify(AkkaLevel.ErrorLevel, Writer(ClientAddress), "Serialization failed for message [X]", EndpointDisassociated()));
        Assert.Equal(AkkaLevel.WarningLevel, AkkaLogLevels.Classify(AkkaLevel.WarningLevel, "akka://payments/user/client-gateway",
            $"Association with remote system {ClientAddress} has failed", EndpointDisassociated()));
        Assert.Equal(AkkaLevel.InfoLevel, AkkaLogLevels.Classify(AkkaLevel.InfoLevel, Writer(ClientAddress), "Disassociated", EndpointDisassociated()));
    }

    [Fact]
    public async Task Through_the_node_logger_a_clients_disconnect_is_written_at_debug_and_a_nodes_as_logged()
    {
        var captured = new BlockingCollection<Entry>();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new StructuredProvider(captured)));
        var system = Bridge(factory);
        try
        {
            // As Akka.Remote calls them: the warning carries the exception among its arguments, the error as its cause.
            foreach (var remote in new[] { ClientAddress, NodeAddress })
            {
                Logging.GetLogger(system.EventStream, Supervisor(remote))
                    .Warning("Association with remote system {0} has failed; address is now gated for {1} ms. Reason is: [{2}]", remote, 5000, EndpointDisassociated());
                Logging.GetLogger(system.EventStream, Writer(remote)).Error(EndpointDisassociated(), "Disassociated");
            }

            var written = new List<Entry>();
            while (written.Count < 4 && captured.TryTake(out var entry, TimeSpan.FromSeconds(10)))
            {
                if (entry.Message.Contains("/system/endpointManager/reliableEndpointWriter-", StringComparison.Ordinal))
                {
                    written.Add(entry);
                }
            }

            Assert.Equal(4, written.Count);
            Assert.Equal([LogLevel.Debug, LogLevel.Debug, LogLevel.Warning, LogLevel.Error], written.Select(w => w.Level));
            Assert.StartsWith("[" + Supervisor(ClientAddress) + "] ", written[0].Message);
            Assert.Contains("Association with remote system " + ClientAddress + " has failed", written[0].Message);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_malformed_warning_from_a_clients_endpoint_is_still_written_at_its_level()
    {
        var captured = new BlockingCollection<Entry>();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new StructuredProvider(captured)));
        var system = Bridge(factory);
        try
        {
            // Two placeholders, one argument: whatever the formatter makes of it, the event is not lost or lowered.
            Logging.GetLogger(system.EventStream, Supervisor(ClientAddress)).Warning("Association with remote system {0} has failed; {1}", ClientAddress);

            Entry? entry = null;
            while (entry?.Level != LogLevel.Warning && captured.TryTake(out var next, TimeSpan.FromSeconds(10)))
            {
                entry = next;
            }

            Assert.Equal(LogLevel.Warning, entry?.Level);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Akka_events_are_written_under_the_logging_class_as_source_and_text_with_structured_properties()
    {
        var captured = new BlockingCollection<Entry>();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new StructuredProvider(captured)));
        var system = Bridge(factory);
        try
        {
            var actor = system.ActorOf(Props.Create(() => new Talker()), "talker");
            actor.Tell("hello 42");
            Logging.GetLogger(system.EventStream, "some-source").Info("from a string source {0}", 7);

            var seen = new List<Entry>();
            var fromActor = Next(captured, seen, e => e.Message.Contains("hello 42", StringComparison.Ordinal));
            Assert.Equal(typeof(Talker).FullName!.Replace('+', '.'), fromActor.Category);
            Assert.Equal(LogLevel.Warning, fromActor.Level);
            Assert.Equal("[akka://bridge/user/talker] heard hello 42", fromActor.Message);
            Assert.Equal("akka://bridge/user/talker", fromActor.Properties["LogSource"]);
            Assert.Equal("heard hello 42", fromActor.Properties["AkkaMessage"]);
            Assert.DoesNotContain("[WARNING]", fromActor.Message);

            var fromString = Next(captured, seen, e => e.Message.Contains("from a string source", StringComparison.Ordinal));
            Assert.Equal(NodeAkkaLogger.DefaultCategory, fromString.Category);
            Assert.Equal("[some-source] from a string source 7", fromString.Message);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void A_generic_class_is_its_category_without_arity_or_arguments()
    {
        Assert.Equal("System.Collections.Generic.List", NodeAkkaLogger.CategoryOf(typeof(List<int>)));
        Assert.Equal(NodeAkkaLogger.DefaultCategory, NodeAkkaLogger.CategoryOf(null));
        Assert.Equal(NodeAkkaLogger.DefaultCategory, NodeAkkaLogger.CategoryOf(typeof(DummyClassForStringSources), "some-source"));
        Assert.Equal("Akka.Cluster", NodeAkkaLogger.CategoryOf(typeof(DummyClassForStringSources), "Cluster (akka://payments)"));
        Assert.Equal("Akka.Remote", NodeAkkaLogger.CategoryOf(null, "remoting (akka://payments)"));
        Assert.Equal("Akka.Cluster.Sharding.ShardRegion", NodeAkkaLogger.CategoryOf(typeof(Akka.Cluster.Sharding.ShardRegion)));
    }

    /// <summary>An actor system whose only logger is the node's, writing to <paramref name="factory"/>.</summary>
    private static ActorSystem Bridge(ILoggerFactory factory) => ActorSystem.Create("bridge", BootstrapSetup.Create()
        .WithConfig(ConfigurationFactory.ParseString($"akka.loglevel = DEBUG\nakka.loggers = [\"{typeof(NodeAkkaLogger).AssemblyQualifiedName}\"]"))
        .And(new LoggerFactorySetup(factory)));

    /// <summary>The first entry that matches, among those seen so far (<paramref name="seen"/>) or still to come.</summary>
    private static Entry Next(BlockingCollection<Entry> captured, List<Entry> seen, Func<Entry, bool> match)
    {
        if (seen.FirstOrDefault(match) is { } earlier)
        {
            return earlier;
        }

        while (captured.TryTake(out var entry, TimeSpan.FromSeconds(10)))
        {
            seen.Add(entry);
            if (match(entry))
            {
                return entry;
            }
        }

        throw new Xunit.Sdk.XunitException("no such log entry within 10 s");
    }

    private sealed class Talker : ReceiveActor
    {
        public Talker()
        {
            var log = Context.GetLogger();
            Receive<string>(s => log.Warning("heard {0}", s));
        }
    }

    private sealed record Entry(LogLevel Level, string Category, string Message, IReadOnlyDictionary<string, object?> Properties);

    private sealed class StructuredProvider(BlockingCollection<Entry> captured) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Structured(captured, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Structured(BlockingCollection<Entry> captured, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            captured.Add(new Entry(logLevel, category, formatter(state, exception),
                state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToDictionary(p => p.Key, p => p.Value) : new Dictionary<string, object?>()));
    }
}
