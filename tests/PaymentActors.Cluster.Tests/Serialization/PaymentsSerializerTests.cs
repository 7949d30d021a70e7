using System.Runtime.Serialization;
using Akka.Hosting;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Clients;
using PaymentActors.Protocol.Ingestion;
using PaymentActors.Protocol.Observability;
using PaymentActors.Protocol.Risk;
using PaymentActors.Protocol.Serialization;
using PaymentActors.Protocol.Serialization.Legacy;

namespace PaymentActors.Cluster.Tests.Serialization;

public sealed class PaymentsSerializerTests : IAsyncLifetime
{
    private HostedAkka _node = null!;

    private Akka.Actor.ActorSystem Sys => _node.System;

    public async Task InitializeAsync() => _node = await HostedAkka.StartAsync(b => b.WithPaymentsSerializer());

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static readonly RuleHit[] Rules = [new("drain", 3, "took 100% of the balance"), new("velocity", 1, "6 in 10 min")];

    private static readonly TransactionRequest Request = new("t-1", "C1", TransactionType.Transfer, 12_345, "USD", "C2", 1_700_000_000_000, 50_000);

    private static readonly RuleChangeSignature SampleSignature = new("MIIB", 1_700_000_000_000, "bm9uY2Utbm9uY2Utbm9uY2U=", "MEUCIQ");

    private static readonly Alert SampleAlert = new("t-7", "C1", TransactionType.CashOut, 900_000, "EUR", 1_700_000_000_000, TransactionStatus.Flagged, Rules);

    /// <summary>At least one sample of every type bound to the serializer (a test fails when a bound type has none).</summary>
    public static TheoryData<object> Messages()
    {
        var data = new TheoryData<object>();
        foreach (var sample in Samples())
        {
            data.Add(sample);
        }

        return data;
    }

    private static IEnumerable<object> Samples()
    {
        yield return new AccountOpened("C1", "KWD", 1_000, 5_000, 42);
        yield return new TransactionApproved("t-1", TransactionType.Transfer, 12_345, "C2", 99, 0xDEADBEEFCAFEBABE, true, Rules);
        yield return new TransactionApproved("t-2", TransactionType.CashIn, 1, null, 99, 1, false, []);
        yield return new TransactionDeclined("t-3", TransactionType.CashOut, 7, "M1", 5, 2, RejectCode.InsufficientFunds, "amount: too much", []);
        yield return new TransactionApproved("t-4", TransactionType.Payment, 5, "M2", 99, 3, true, Rules, "BHD");
        yield return new TransactionDeclined("t-5", TransactionType.Payment, 5, "M2", 99, 3, RejectCode.RiskDeclined, "risk: x", Rules, "JPY");
        yield return new TransferCredited("t-1", "C1", 12_345, 99, 12_345);
        yield return new TransferSettled("t-1");
        yield return new TransferReversed("t-1", 12_345, "currency: EUR does not match");
        yield return AccountWithHistory().ToSnapshot();
        yield return new AccountSnapshot("C0", null, 0, 0, 0, [], [], [], [], [], []);
        yield return new SubmitTransaction(Request);
        yield return new SubmitTransaction(Request with { Counterparty = null, OpeningBalanceMinor = null });
        yield return new SubmitTransaction(Request with { OpeningBalanceMinor = 0, AmountMinor = long.MaxValue, EventTimeMs = -1 });
        yield return new SubmitTransactionBatch("C1", [Request, Request with { TransactionId = "t-9" }], 1L << 40);
        yield return new SubmitTransactionBatch("C1", [Request], 3, CountedBySender: true);
        yield return new OpenAccount("C1", "JPY", 0, 100);
        yield return new GetAccount("C1");
        yield return new CreditTransfer("C2", "t-1", "C1", 12_345, "USD", 99, 20_000);
        yield return new TransferCreditResult("C1", "t-1", false, "currency: nope");
        yield return new TransferCreditResult("C1", "t-1", true, null);
        yield return new TransactionOutcome("t-1", TransactionStatus.Flagged, false, RejectCode.None, null, -5_000, "USD", Rules);
        yield return new TransactionOutcome("t-2", TransactionStatus.Rejected, false, RejectCode.InvalidField, "amount: must be positive", 0, null, []);
        yield return new TransactionBatchOutcome("C1", [new TransactionOutcome("t-1", TransactionStatus.Approved, true, RejectCode.None, null, 1, "USD", [])], 77);
        yield return new AccountOpenResult("C1", true, null);
        yield return new AccountOpenResult("C1", false, "currency: XXX is unknown");
        yield return AccountWithHistory().ToView();
        yield return new AccountView("C9", false, null, 0, 0, 0, 0, []);
        yield return new WatchTransfers("C1");
        yield return new UnwatchTransfers("C1");
        yield return new SettlePendingTransfers("C1", -7_000_000_000);
        yield return new PendingTransfersReport("C1", long.MaxValue, 3);
        yield return new WindowPartials("akka.tcp://payments@h:1#42", [new PartialWindowResult("hourly", "all/USD", 0, 3_600_000, Stats(5, 100, 70_000))], 99, true, 7);
        yield return new WindowPartialsAck("s", 7);
        yield return new RetireWindowSource("s");
        yield return new GetWindowResults("hourly", null, 0, 10);
        yield return new GetWindowResults(null, "type:", long.MinValue, long.MaxValue);
        yield return new WindowResults([new WindowResult("sliding-6h", "all/EUR", -3_600_000, 18_000_000, 3, Stats(1, 2, 3))]);
        yield return GetCollectorStatus.Instance;
        yield return new CollectorStatus(new Dictionary<string, long> { ["a"] = 1, ["b"] = long.MinValue }, ["b"], 1, 3, 4, 5);
        yield return new PartialsRecorded("s", [new PartialWindowResult("hourly", "k", 0, 1, Stats())], -5, true, 3);
        yield return new SourceRetired("s");
        yield return new ResultsEmitted([new WindowResult("hourly", "k", 0, 1, 1, Stats(9))]);
        yield return CollectorWithHistory().ToSnapshot();
        yield return new WindowProjectionStarted(3);
        yield return new WindowProjectionCheckpoint(1L << 40);
        yield return new BoundedInputEnded(-1);
        yield return new WindowProjectionSnapshot(77, 2, new PartialWindowsState(-10, 5, 1, 9,
            [new PartialWindowResult("hourly", "all/EUR", 0, 3_600_000, Stats(2, 30, 10))]), 1_767_225_600_000);
        yield return new WindowProjectionSnapshot(0, 1, new PartialWindowsState(long.MinValue, long.MinValue, 0, 0, []));
        yield return new IngestionOffsetCommitted(1_234_567);
        yield return new RuleSetDocument(3, """{"rules":[]}""");
        yield return new PutRiskRule("""{"id":"drain","version":4}""");
        yield return new DisableRiskRule("drain");
        yield return new PutRiskRule("""{"id":"drain","version":5}""", "cert:CN=paymentactors-client", SampleSignature);
        yield return new DisableRiskRule("drain", "key:admin", SampleSignature);
        yield return new RuleChangeAudited(1_700_000_000_123, "key:admin", "cert:CN=paymentactors-node0", "put", "drain", """{"id":"drain","version":5}""",
            7, 8, 3, 3, "bm9uY2Utbm9uY2Utbm9uY2U=");
        yield return new RuleChangeAudited(1, "insecure-client", "", "disable", "drain", "", 1, 2, 1, 1, "");
        yield return new GetRulesAudit(100);
        yield return new RulesAuditReply("{\"author\":\"key:admin\"}\n");
        yield return GetRiskRules.Instance;
        yield return new RiskRulesReply(true, null, 4, "{}");
        yield return new RiskRulesReply(false, "version: must be above 4", 4, "{}");
        yield return new AlertRaised(SampleAlert);
        yield return new GetAlerts("C1", 0, long.MaxValue, 50);
        yield return new GetAlerts(null, 0, 10, 1);
        yield return new AlertsReply([SampleAlert, SampleAlert with { TransactionId = "t-8", Rules = [] }], 2);
        yield return new AlertsSnapshot([SampleAlert], 1);
        yield return new AlertsSnapshot([SampleAlert], 1, 9_876_543_210);
        yield return new AlertsProjected([SampleAlert, SampleAlert with { TransactionId = "t-8" }], 42);
        yield return new AlertsProjected([], long.MaxValue);
        yield return GetClusterStatus.Instance;
        yield return new ClusterStatusReply("akka.ssl.tcp://payments@h:1",
            [new ClusterMemberStatus("akka.ssl.tcp://payments@h:1", "Up", ["payments", "compat-1"]), new ClusterMemberStatus("akka.ssl.tcp://payments@h:2", "Leaving", [])],
            ["akka.ssl.tcp://payments@h:2"], new Dictionary<string, int> { ["akka.ssl.tcp://payments@h:1"] = 60, ["akka.ssl.tcp://payments@h:2"] = 40 },
            new Dictionary<string, int> { ["akka.ssl.tcp://payments@h:1"] = 7 }, "akka.ssl.tcp://payments@h:1");
        yield return new ClusterStatusReply("s", [], [], new Dictionary<string, int>(), new Dictionary<string, int>(), null);
        yield return GetNodeLatency.Instance;
        yield return new NodeLatencyReply("akka.ssl.tcp://payments@h:1", 1_234_567_890_123, [0, 0, 0, 5, 90_000, long.MaxValue, 0, 1]);
        yield return new NodeLatencyReply("akka.tcp://payments@h:2", 0, []);
    }

    private static AccountState AccountWithHistory()
    {
        var state = new AccountState("C1");
        state.Apply(new AccountOpened("C1", "USD", 0, 100_000, 1));
        var decision = state.Decide(Request with { AccountId = "C1" });
        foreach (var e in decision.Events)
        {
            state.Apply(e);
        }

        state.Apply(new TransferCredited("in-1", "C9", 500, 3, 500));
        state.Apply(new TransactionDeclined("t-d", TransactionType.Payment, 1, "M1", 4, 5, RejectCode.RiskDeclined, "risk: x", Rules));
        return state;
    }

    private static WindowCollectorState CollectorWithHistory()
    {
        var state = new WindowCollectorState();
        state.OnPartial("n1#1", new PartialWindowResult("hourly", "all/USD", 0, 3_600_000, Stats(5, 100, 70_000)));
        state.OnPartial("n2#1", new PartialWindowResult("hourly", "all/USD", 0, 3_600_000, Stats(1)));
        state.OnPartial("n1#1", new PartialWindowResult("hourly", "all/USD", 3_600_000, 7_200_000, Stats(3)));
        state.OnWatermark("n1#1", 4_000_000);
        state.OnWatermark("n2#1", 3_700_000, idle: true);
        state.OnSequence("n1#1", 3);
        state.Retire("n3#1");
        foreach (var due in state.DueResults())
        {
            state.MarkEmitted(due);
        }

        return state;
    }

    private static AmountStatsState Stats(params long[] amounts)
    {
        var stats = new AmountStats();
        foreach (var a in amounts)
        {
            stats.Add(a);
        }

        return stats.ToState();
    }

    [Fact]
    public void Every_type_bound_to_the_serializer_has_a_round_trip_sample()
    {
        var assemblies = new[] { typeof(PaymentsSerializer).Assembly, typeof(AccountState).Assembly, typeof(PaymentsHosting).Assembly };
        var bound = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && PaymentsSerializer.BoundTypes.Any(b => b.IsAssignableFrom(t)))
            .ToHashSet();
        var sampled = Samples().Select(s => s.GetType()).ToHashSet();
        var missing = bound.Except(sampled).Select(t => t.FullName).Order().ToList();
        Assert.True(missing.Count == 0, "no round-trip sample for: " + string.Join(", ", missing));
        Assert.NotEmpty(bound);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_event_and_snapshot_round_trips_in_format_2(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<PaymentsSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.True(manifest.Length <= 5 && manifest.EndsWith("v2", StringComparison.Ordinal), $"'{manifest}' is a short format-2 manifest");
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(Canonical(message), Canonical(back));
    }

    /// <summary>
    /// Types added after format 1 (the rules audit, signed rule changes, the cluster status for clients, the alerts read from the journal,
    /// the nodes' latency counts, the window projections), and samples using fields added after it (an event's currency, the alert collector's offset, a batch counted by its
    /// sender): they have no format-1 payload to read.
    /// </summary>
    private static bool IsNewerThanFormat1(object message) => message is GetRulesAudit or RulesAuditReply or RuleChangeAudited or PutRiskRule { Signature: not null } or DisableRiskRule { Signature: not null } or GetClusterStatus or ClusterStatusReply
        or GetNodeLatency or NodeLatencyReply or IWindowProjectionEvent or WindowProjectionSnapshot
        or AlertsProjected or TransactionApproved { Currency.Length: > 0 } or TransactionDeclined { Currency.Length: > 0 }
        or AlertsSnapshot { LedgerOffset: not 0 } or SubmitTransactionBatch { CountedBySender: true };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_format_1_payload_still_reads_under_its_old_manifest(object message)
    {
        if (IsNewerThanFormat1(message))
        {
            return;
        }

        var manifest = FormatOneWriter.Manifest(message);
        Assert.False(manifest.EndsWith("v2", StringComparison.Ordinal));
        var back = Sys.Serialization.Deserialize(FormatOneWriter.ToBinary(message), PaymentsSerializer.Id, manifest);
        Assert.Equal(Canonical(message), Canonical(back));
    }

    [Fact]
    public void A_snapshot_restores_the_account()
    {
        var state = AccountWithHistory();
        var serializer = Sys.Serialization.FindSerializerFor(state.ToSnapshot());
        var snapshot = (AccountSnapshot)Sys.Serialization.Deserialize(serializer.ToBinary(state.ToSnapshot()), PaymentsSerializer.Id, "S1v2");
        var restored = AccountState.FromSnapshot(snapshot);
        Assert.Equal(state.BalanceMinor, restored.BalanceMinor);
        Assert.Single(restored.Outbox);
        Assert.True(restored.HasCreditedTransfer("in-1"));
    }

    [Fact]
    public void Manifests_are_unique_and_formats_are_told_apart_by_manifest()
    {
        var serializer = new PaymentsSerializer(null!);
        var samples = Samples().DistinctBy(s => s.GetType()).ToList();
        var format2 = samples.Select(serializer.Manifest).ToList();
        var format1 = samples.Where(m => !IsNewerThanFormat1(m)).Select(FormatOneWriter.Manifest).ToList();
        Assert.Equal(format2.Count, format2.Distinct().Count());
        Assert.Equal(format1.Count, format1.Distinct().Count());
        Assert.Empty(format1.Intersect(format2));
        Assert.All(format1, m => Assert.True(FormatOneReader.IsFormatOne(m), m));
    }

    [Fact]
    public void A_damaged_payload_or_unknown_manifest_fails_with_a_clear_error()
    {
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AccountOpened));
        var bytes = serializer.ToBinary(new AccountOpened("C1", "USD", 0, 0, 0));
        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..5], "E1v2"));
        Assert.Contains("AccountOpened", error.Message);
        Assert.Contains("truncated", Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..5], "E1")).Message);
        Assert.Contains("manifest", Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "ZZ")).Message);

        // A type value no version of the domain knows (a newer node's, or damage) names the field.
        var unknownType = new Protocol.Serialization.Proto.TransactionApproved { TransactionId = "t", Type = (Protocol.Serialization.Proto.TransactionType)42 };
        Assert.StartsWith("type:", Assert.Throws<SerializationException>(() => serializer.FromBinary(Google.Protobuf.MessageExtensions.ToByteArray(unknownType), "E2v2")).Message);
        var noRequest = new Protocol.Serialization.Proto.SubmitTransaction();
        Assert.StartsWith("request:", Assert.Throws<SerializationException>(() => serializer.FromBinary(Google.Protobuf.MessageExtensions.ToByteArray(noRequest), "C1v2")).Message);
    }

    [Fact]
    public async Task An_unbound_type_is_an_error_on_a_node_not_a_silent_json_fallback()
    {
        await using var node = await HostedAkka.StartAsync(b =>
            b.WithPaymentsNode(new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Memory }, Risk.RiskRulesHolder.None()));
        var error = Assert.ThrowsAny<Exception>(() => node.System.Serialization.FindSerializerFor(new NotBound("x")));
        Assert.Contains("allow-unregistered-types", error.Message);
        Assert.IsType<PaymentsSerializer>(node.System.Serialization.FindSerializerFor(new GetAccount("C1")));
    }

    private sealed record NotBound(string Value);

    /// <summary>Records with list members compare lists by reference; compare a JSON rendering instead.</summary>
    private static string Canonical(object o) => o.GetType().FullName + System.Text.Json.JsonSerializer.Serialize(o, o.GetType());
}
