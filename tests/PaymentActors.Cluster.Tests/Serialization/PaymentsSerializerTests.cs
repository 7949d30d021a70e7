using Akka.Hosting;
using Akka.Serialization;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Cluster.Tests.Serialization;

public sealed class PaymentsSerializerTests : IAsyncLifetime
{
    private HostedAkka _node = null!;

    private Akka.Actor.ActorSystem Sys => _node.System;

    public async Task InitializeAsync() => _node = await HostedAkka.StartAsync(b => b.WithPaymentsSerializer());

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static readonly RuleHit[] Rules = [new("drain", 3, "took 100% of the balance"), new("velocity", 1, "6 in 10 min")];

    private static readonly TransactionRequest Request = new("t-1", "C1", TransactionType.Transfer, 12_345, "USD", "C2", 1_700_000_000_000, 50_000);

    public static TheoryData<object> Messages() => new()
    {
        new AccountOpened("C1", "KWD", 1_000, 5_000, 42),
        new TransactionApproved("t-1", TransactionType.Transfer, 12_345, "C2", 99, 0xDEADBEEFCAFEBABE, true, Rules),
        new TransactionApproved("t-2", TransactionType.CashIn, 1, null, 99, 1, false, []),
        new TransactionDeclined("t-3", TransactionType.CashOut, 7, "M1", 5, 2, RejectCode.InsufficientFunds, "amount: too much", []),
        new TransferCredited("t-1", "C1", 12_345, 99, 12_345),
        new TransferSettled("t-1"),
        new TransferReversed("t-1", 12_345, "currency: EUR does not match"),
        new SubmitTransaction(Request),
        new SubmitTransaction(Request with { Counterparty = null, OpeningBalanceMinor = null }),
        new SubmitTransactionBatch("C1", [Request, Request with { TransactionId = "t-9" }], 1L << 40),
        new OpenAccount("C1", "JPY", 0, 100),
        new GetAccount("C1"),
        new CreditTransfer("C2", "t-1", "C1", 12_345, "USD", 99, 20_000),
        new TransferCreditResult("C1", "t-1", false, "currency: nope"),
        new TransferCreditResult("C1", "t-1", true, null),
        new AccountOpenResult("C1", true, null),
        new WatchTransfers("C1"),
        new UnwatchTransfers("C1"),
        new SettlePendingTransfers("C1", -7_000_000_000),
        new PendingTransfersReport("C1", long.MaxValue, 3),
        new WindowPartials("akka.tcp://payments@h:1#42", [new PartialWindowResult("hourly", "all/USD", 0, 3_600_000, Stats(5, 100, 70_000))], 99, true, 7),
        new WindowPartialsAck("s", 7),
        new RetireWindowSource("s"),
        new GetWindowResults("hourly", null, 0, 10),
        new GetWindowResults(null, "type:", 0, 10),
        new WindowResults([new WindowResult("sliding-6h", "all/EUR", -3_600_000, 18_000_000, 3, Stats(1, 2, 3))]),
        GetCollectorStatus.Instance,
        new CollectorStatus(new Dictionary<string, long> { ["a"] = 1, ["b"] = 2 }, ["b"], 1, 3, 4, 5),
        new PartialsRecorded("s", [new PartialWindowResult("hourly", "k", 0, 1, Stats())], -5, true, 3),
        new SourceRetired("s"),
        new ResultsEmitted([new WindowResult("hourly", "k", 0, 1, 1, Stats(9))]),
        new PaymentActors.Protocol.Risk.PutRiskRule("{}", "cert:CN=paymentactors-client"),
        new PaymentActors.Protocol.Risk.DisableRiskRule("velocity", "key:admin"),
        new PaymentActors.Protocol.Risk.RiskRulesReply(true, null, 7, "{}", 2, 3),
        new PaymentActors.Protocol.Risk.GetRulesAudit(100),
        new PaymentActors.Protocol.Risk.RulesAuditReply("{\"author\":\"key:admin\"}\n"),
    };

    private static PaymentActors.Domain.Windows.AmountStatsState Stats(params long[] amounts)
    {
        var stats = new PaymentActors.Domain.Windows.AmountStats();
        foreach (var a in amounts)
        {
            stats.Add(a);
        }

        return stats.ToState();
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_and_event_round_trips_through_the_payments_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<PaymentsSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.True(manifest.Length <= 3, "manifests are short and fixed");
        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.Equal(Canonical(message), Canonical(back));
    }

    [Fact]
    public void Outcomes_views_and_snapshots_round_trip()
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
        object[] objects =
        [
            decision.Outcome,
            new TransactionBatchOutcome("C1", [decision.Outcome, decision.Outcome with { IsDuplicate = true, Rules = Rules }], 77),
            state.ToView(),
            state.ToSnapshot(),
        ];
        foreach (var o in objects)
        {
            var serializer = Sys.Serialization.FindSerializerFor(o);
            Assert.IsType<PaymentsSerializer>(serializer);
            var back = Sys.Serialization.Deserialize(serializer.ToBinary(o), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, o));
            Assert.Equal(Canonical(o), Canonical(back));
        }

        var snapshot = (AccountSnapshot)Sys.Serialization.Deserialize(
            Sys.Serialization.FindSerializerFor(state.ToSnapshot()).ToBinary(state.ToSnapshot()), PaymentsSerializer.Id, "S1");
        var restored = AccountState.FromSnapshot(snapshot);
        Assert.Equal(state.BalanceMinor, restored.BalanceMinor);
        Assert.Single(restored.Outbox);
        Assert.True(restored.HasCreditedTransfer("in-1"));
    }

    [Fact]
    public void Truncated_payload_fails_with_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(AccountOpened));
        var bytes = serializer.ToBinary(new AccountOpened("C1", "USD", 0, 0, 0));
        var error = Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes[..5], "E1"));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("manifest", Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes, "ZZ")).Message);
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
