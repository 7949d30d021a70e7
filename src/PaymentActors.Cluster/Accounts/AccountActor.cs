using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ledger;
using PaymentActors.Cluster.Observability;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Accounts;

/// <summary>
/// One event-sourced account. Thin by design: the domain decides, the actor persists and replies.
/// <para>
/// Group commit: commands are decided against <c>_decided</c> (the state including events handed to the
/// journal but not yet confirmed) and persisted with <c>PersistAllAsync</c>, so while one journal write is
/// in flight the next commands' events accumulate and go out together as the next write. Replies are
/// deferred until their events are durable; <c>_durable</c> holds only confirmed state and is what
/// queries see and snapshots store. A failed or rejected write stops or restarts the actor, which then
/// recovers from the journal: nothing undurable is ever acknowledged.
/// </para>
/// <para>
/// While nothing is in flight the two are equal, so an account idle for <see cref="AccountActorSettings.CompactAfter"/>
/// keeps one: <c>_decided</c> then refers to <c>_durable</c>, and the next command that persists copies it first.
/// Recovery fills the one copy.
/// </para>
/// <para>
/// A node holds up to a million of these, mostly idle, so per-instance memory counts: a plain switch instead of
/// ReceivePersistentActor's per-instance handler tables, one <see cref="Props"/> per region (the account id is the
/// entity's actor name), and bookkeeping collections created on first use.
/// </para>
/// </summary>
public sealed class AccountActor : PersistentActor
{
    private readonly string _accountId;
    private readonly IActorRef _accountRegion;
    private readonly AccountActorSettings _settings;
    private readonly RiskRulesHolder _risk;
    private readonly IActorRef? _alerts;
    private readonly NodeWindows? _windows;

    // Decisions in flight whose sender (an ingestion pipeline) counts them in its node's windows: not counted here too.
    private HashSet<string>? _countedBySender;
    private AccountState _durable;
    private AccountState _decided;
    private long _lastSnapshotSequenceNr;
    private int _eventsInFlight;
    private long _lastActivityMs = Environment.TickCount64;

    // Replies wait for their events: a reply is released once every event handed to the journal before
    // it is durable. (DeferAsync is not used: a batch holding only deferred items reaches the SQL journal
    // as an empty write, which it fails on.)
    private long _eventsScheduled;
    private long _eventsDurable;
    private Queue<(long Ticket, IActorRef ReplyTo, object Reply, long Started)>? _pendingReplies;

    // Journal writes in flight, for the write-latency metric: (events scheduled once it is durable, when it was handed over).
    private Queue<(long Ticket, long Started)>? _writesInFlight;

    // This payer's transfer watch (TransferWatchActor): told when the outbox stops or starts being empty.
    private IActorRef? _transferWatch;
    private bool _watching;

    // A producer rather than Props.Create(() => new ...): the expression form compiles each argument into a
    // dynamic method for every entity started, which first touch of many accounts pays for (and the finalizer after).
    /// <param name="alerts">The alert collector, told each alert (only where it cannot read them from the journal).</param>
    /// <param name="windows">This node's window stage, handed each decision once durable.</param>
    public static Props Props(string accountId, IActorRef accountRegion, AccountActorSettings settings, RiskRulesHolder risk, IActorRef? alerts = null,
        NodeWindows? windows = null) =>
        Akka.Actor.Props.CreateBy(new Producer(accountId, accountRegion, settings, risk, alerts, windows));

    /// <summary>Props for every entity of a shard region: each account takes its id from its actor name (the entity id).</summary>
    public static Props PropsForEntities(IActorRef accountRegion, AccountActorSettings settings, RiskRulesHolder risk, IActorRef? alerts = null,
        NodeWindows? windows = null) =>
        Akka.Actor.Props.CreateBy(new Producer(null, accountRegion, settings, risk, alerts, windows)).WithMailbox(AccountMailbox.ConfigPath);

    /// <param name="accountId">The account's id; null: the actor's name (as a shard names its entities).</param>
    public AccountActor(string? accountId, IActorRef accountRegion, AccountActorSettings settings, RiskRulesHolder risk, IActorRef? alerts,
        NodeWindows? windows = null)
    {
        accountId ??= Uri.UnescapeDataString(Context.Self.Path.Name);
        _alerts = alerts;
        _windows = windows;
        _accountId = accountId;
        _accountRegion = accountRegion;
        _settings = settings;
        _risk = risk;
        _durable = new AccountState(accountId, settings.Policy);
        _decided = _durable;
        PersistenceId = PersistenceIdFor(accountId);
    }

    public override string PersistenceId { get; }

    // Scheduled directly rather than through IWithTimers, whose per-actor timer table an idle account would keep. A tick
    // that arrives after its timer was cancelled is harmless: each handler checks the state it acts on.
    private ICancelable? _idleCheck;
    private ICancelable? _redelivery;
    private ICancelable? _compact;

    public static string PersistenceIdFor(string accountId) => "account-" + accountId;

    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case IAccountEvent e:
                _durable.Apply(e); // _decided is the same instance until a command persists
                return true;
            case SnapshotOffer offer:
                if (offer.Snapshot is AccountSnapshot snapshot)
                {
                    _durable = AccountState.FromSnapshot(snapshot, _settings.Policy);
                    _decided = _durable;
                    _lastSnapshotSequenceNr = offer.Metadata.SequenceNr;
                }

                return true;
            case RecoveryCompleted:
                ResendPendingTransfers();
                return true;
            default:
                return false;
        }
    }

    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case SubmitTransaction cmd:
                HandleSubmit(cmd.Request);
                return true;
            case SubmitTransactionBatch batch:
                HandleBatch(batch);
                return true;
            case CreditTransfer credit:
                HandleCredit(credit);
                return true;
            case TransferCreditResult result:
                HandleCreditResult(result);
                return true;
            case OpenAccount open:
                HandleOpen(open);
                return true;
            case GetAccount:
                ReplyWhenDurable(Sender, new ViewRequest());
                return true;
            case RedeliverTransfers:
                ResendPendingTransfers();
                return true;
            case SettlePendingTransfers probe:
                HandleSettlePending(probe);
                return true;
            case IdleCheck:
                PassivateIfIdle();
                return true;
            case Compact:
                CompactIfIdle();
                return true;
            case SaveSnapshotSuccess saved:
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure failed:
                Log.Warning(failed.Cause, "Snapshot of account {0} failed; events remain the source of truth", _accountId);
                return true;
            case DeleteSnapshotsSuccess:
                return true;
            case DeleteSnapshotsFailure failed:
                Log.Warning(failed.Cause, "Deleting old snapshots of account {0} failed", _accountId);
                return true;
            default:
                return false;
        }
    }

    protected override void PreStart()
    {
        base.PreStart();
        PaymentsMetrics.EntityStarted(PaymentsHosting.AccountTypeName);
        // Not Context.SetReceiveTimeout: that reschedules a timer on every message, a measurable cost on the
        // hot path. A periodic check against the last activity stamp passivates within 1.5 × the idle time.
        var every = TimeSpan.FromTicks(Math.Max(_settings.Idle.Ticks / 2, TimeSpan.FromMilliseconds(10).Ticks));
        _idleCheck = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(every, every, Self, IdleCheck.Instance, ActorRefs.NoSender);
    }

    protected override void PostStop()
    {
        _idleCheck?.Cancel();
        _redelivery?.Cancel();
        _compact?.Cancel();
        PaymentsMetrics.EntityStopped(PaymentsHosting.AccountTypeName);
        base.PostStop();
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        // Activity is any protocol message (commands, credits, answers); timers and journal replies are not.
        if (message is IPaymentsMessage)
        {
            _lastActivityMs = Environment.TickCount64;
        }

        return base.AroundReceive(receive, message);
    }

    private void HandleSubmit(TransactionRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        var decision = _decided.Decide(request, _risk.Current, _settings.EventTime);
        PaymentsMetrics.RecordDecision(decision.Outcome, request.Type);
        ApplyAndPersist(decision.Events);
        ReplyWhenDurable(Sender, decision.Outcome, started);
    }

    private void HandleBatch(SubmitTransactionBatch batch)
    {
        var started = Stopwatch.GetTimestamp();
        var outcomes = new TransactionOutcome[batch.Requests.Count];
        var events = new List<IAccountEvent>(batch.Requests.Count);
        var risk = _risk.Current;
        SeparateDecided();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var decision = _decided.Decide(batch.Requests[i], risk, _settings.EventTime);
            foreach (var e in decision.Events)
            {
                _decided.Apply(e); // later requests of the batch see earlier ones
                events.Add(e);
                if (batch.CountedBySender && _windows is not null && e is TransactionApproved or TransactionDeclined)
                {
                    (_countedBySender ??= new(StringComparer.Ordinal)).Add(batch.Requests[i].TransactionId);
                }
            }

            outcomes[i] = decision.Outcome;
            PaymentsMetrics.RecordDecision(decision.Outcome, batch.Requests[i].Type);
        }

        PersistDecided(events);
        ReplyWhenDurable(Sender, new TransactionBatchOutcome(_accountId, outcomes, batch.CorrelationId), started);
    }

    private void HandleOpen(OpenAccount cmd)
    {
        var (events, rejection) = _decided.DecideOpen(cmd.Currency, cmd.OverdraftLimitMinor, cmd.OpeningBalanceMinor, 0);
        ApplyAndPersist(events);
        ReplyWhenDurable(Sender, new AccountOpenResult(_accountId, rejection is null, rejection?.Message));
    }

    private void HandleCredit(CreditTransfer cmd)
    {
        var decision = _decided.DecideCredit(cmd.TransferId, cmd.PayerId, cmd.AmountMinor, cmd.Currency, cmd.EventTimeMs, cmd.PayerBalanceBeforeMinor);
        ApplyAndPersist(decision.Events);
        var answer = new TransferCreditResult(cmd.PayerId, cmd.TransferId, decision.Accepted, decision.Reason);
        // Answer through the region, not Sender: the payer may have moved or restarted since it asked.
        ReplyWhenDurable(_accountRegion, answer);
    }

    private void HandleCreditResult(TransferCreditResult result)
    {
        var settlement = _decided.DecideSettlement(result.TransferId, result.Credited, result.Reason);
        if (settlement is null)
        {
            return;
        }

        if (!result.Credited)
        {
            Log.Info("Transfer {0} from {1} refused by the payee ({2}); reversing the debit", result.TransferId, _accountId, result.Reason);
        }

        ApplyAndPersist([settlement]);
    }

    /// <summary>Applies decided events to <c>_decided</c> now and hands them to the journal.</summary>
    private void ApplyAndPersist(IReadOnlyList<IAccountEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        SeparateDecided();
        foreach (var e in events)
        {
            _decided.Apply(e);
        }

        PersistDecided(events);
    }

    /// <summary>Before <c>_decided</c> runs ahead of <c>_durable</c>: gives it its own copy if it shares the durable one.</summary>
    private void SeparateDecided()
    {
        if (ReferenceEquals(_decided, _durable))
        {
            _decided = _durable.Copy();
            ScheduleCompaction(_settings.CompactAfter);
        }
    }

    /// <summary>
    /// Drops the decided copy once the account has been idle long enough with nothing in flight (it equals the durable
    /// one), and the emptied buffers of in-flight bookkeeping.
    /// </summary>
    private void CompactIfIdle()
    {
        _compact = null; // fired: its cancelable is not kept by an idle account
        var idleMs = Environment.TickCount64 - _lastActivityMs;
        var afterMs = (long)_settings.CompactAfter.TotalMilliseconds;
        if (idleMs >= afterMs && _eventsInFlight == 0 && _eventsDurable >= _eventsScheduled)
        {
            _decided = _durable;
            // Nothing in flight: the bookkeeping of in-flight writes is empty; its buffers are made again when needed.
            if (_pendingReplies is { Count: 0 })
            {
                _pendingReplies = null;
            }

            if (_writesInFlight is { Count: 0 })
            {
                _writesInFlight = null;
            }

            if (_countedBySender is { Count: 0 })
            {
                _countedBySender = null;
            }

            return;
        }

        // Not yet idle long enough: check again when it would be; idle but still writing: a whole period later.
        ScheduleCompaction(TimeSpan.FromMilliseconds(idleMs < afterMs ? afterMs - idleMs : afterMs));
    }

    private void ScheduleCompaction(TimeSpan delay)
    {
        _compact?.Cancel();
        _compact = Context.System.Scheduler.ScheduleTellOnceCancelable(delay, Self, Compact.Instance, ActorRefs.NoSender);
    }

    private void PersistDecided(IReadOnlyList<IAccountEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        _eventsInFlight += events.Count;
        _eventsScheduled += events.Count;
        (_writesInFlight ??= new()).Enqueue((_eventsScheduled, Stopwatch.GetTimestamp()));
        PersistAllAsync(events, OnDurable);
        if (!_watching && _decided.Outbox.Count > 0)
        {
            // Told as the debit goes to the journal, not after: the watch is remembered a write sooner.
            TellWatch(pending: true);
        }
    }

    private void ReplyWhenDurable(IActorRef replyTo, object reply, long started = 0)
    {
        if (_eventsDurable >= _eventsScheduled && (_pendingReplies is null || _pendingReplies.Count == 0))
        {
            replyTo.Tell(Resolve(reply));
            if (started != 0)
            {
                PaymentsMetrics.RecordDecisionLatency(started);
            }

            return;
        }

        (_pendingReplies ??= new()).Enqueue((_eventsScheduled, replyTo, reply, started));
    }

    private object Resolve(object reply) => reply is ViewRequest ? _durable.ToView() : reply;

    private void ReleaseReplies()
    {
        while (_pendingReplies is not null && _pendingReplies.Count > 0 && _pendingReplies.Peek().Ticket <= _eventsDurable)
        {
            var (_, replyTo, reply, started) = _pendingReplies.Dequeue();
            replyTo.Tell(Resolve(reply));
            if (started != 0)
            {
                PaymentsMetrics.RecordDecisionLatency(started);
            }
        }
    }

    private void OnDurable(IAccountEvent e)
    {
        _eventsInFlight--;
        _eventsDurable++;
        while (_writesInFlight is not null && _writesInFlight.Count > 0 && _writesInFlight.Peek().Ticket <= _eventsDurable)
        {
            PaymentsMetrics.RecordJournalWrite(_writesInFlight.Dequeue().Started);
        }

        _durable.Apply(e);
        PublishAlert(e);
        if (_windows is not null && DecidedTransaction.From(e, _durable.Currency?.Code) is { } decided && !(_countedBySender?.Remove(decided.TransactionId) ?? false))
        {
            _windows.Decided(decided);
        }

        if (e is TransactionApproved { Type: TransactionType.Transfer } approved)
        {
            foreach (var pending in _durable.Outbox)
            {
                if (pending.TransferId == approved.TransactionId)
                {
                    SendCredit(pending);
                    break;
                }
            }

            EnsureRedeliveryTimer();
        }

        if (e is TransferSettled or TransferReversed && _durable.Outbox.Count == 0 && _decided.Outbox.Count == 0)
        {
            TellWatch(pending: false);
        }

        if (LastSequenceNr - _lastSnapshotSequenceNr >= _settings.SnapshotEvery)
        {
            _lastSnapshotSequenceNr = LastSequenceNr;
            SaveSnapshot(_durable.ToSnapshot());
        }

        ReleaseReplies();
    }

    /// <summary>
    /// A flagged or risk-declined decision, once durable, is counted; with a journal that has no query side (in-memory)
    /// it is also told to the alert collector, which otherwise reads it from the journal (<see cref="AlertCollectorActor"/>).
    /// </summary>
    private void PublishAlert(IAccountEvent e)
    {
        if (LedgerJournal.AlertOf(_accountId, e, _durable.Currency?.Code) is { } alert)
        {
            PaymentsMetrics.AlertRaised();
            _alerts?.Tell(new AlertRaised(alert));
        }
    }

    private void SendCredit(PendingTransfer pending) =>
        _accountRegion.Tell(new CreditTransfer(pending.PayeeId, pending.TransferId, _accountId, pending.AmountMinor,
            pending.Currency, pending.EventTimeMs, pending.PayerBalanceBeforeMinor));

    private void ResendPendingTransfers()
    {
        if (_durable.Outbox.Count == 0)
        {
            _redelivery?.Cancel();
            _redelivery = null;
            return;
        }

        foreach (var pending in _durable.Outbox)
        {
            SendCredit(pending);
        }

        TellWatch(pending: true); // after a recovery, and on every redelivery round: a lost Watch is made good
        EnsureRedeliveryTimer();
    }

    /// <summary>
    /// A probe from this payer's watch. If it woke the account, recovery has just resent the outbox; a running payer
    /// redelivers on its timer. Either way, answer what is still pending (the watch stops on zero).
    /// </summary>
    private void HandleSettlePending(SettlePendingTransfers probe)
    {
        if (_redelivery is null)
        {
            ResendPendingTransfers();
        }

        TransferWatchActor.Tell(Context.System, ref _transferWatch,
            new PendingTransfersReport(_accountId, probe.Probe, Math.Max(_durable.Outbox.Count, _decided.Outbox.Count)));
    }

    private void TellWatch(bool pending)
    {
        _watching = pending;
        TransferWatchActor.Tell(Context.System, ref _transferWatch,
            pending ? new WatchTransfers(_accountId) : new UnwatchTransfers(_accountId));
    }

    private void EnsureRedeliveryTimer()
    {
        if (_redelivery is null)
        {
            _redelivery = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(_settings.Redelivery, _settings.Redelivery, Self,
                RedeliverTransfers.Instance, ActorRefs.NoSender);
        }
    }

    private void PassivateIfIdle()
    {
        // A payer with an unanswered transfer stays alive: it is the one that redelivers.
        if (Environment.TickCount64 - _lastActivityMs >= (long)_settings.Idle.TotalMilliseconds
            && _eventsInFlight == 0 && _durable.Outbox.Count == 0)
        {
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        }
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        // _decided already contains the rejected event: restart and recover rather than diverge.
        throw new InvalidOperationException($"Account {_accountId}: journal rejected event {sequenceNr}; restarting from the journal", cause);
    }

    /// <summary>Placeholder for a query whose answer is read from durable state when released.</summary>
    private sealed class ViewRequest;

    private sealed class RedeliverTransfers
    {
        public static readonly RedeliverTransfers Instance = new();
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed class Compact
    {
        public static readonly Compact Instance = new();
    }

    private sealed class Producer(string? accountId, IActorRef accountRegion, AccountActorSettings settings, RiskRulesHolder risk, IActorRef? alerts,
        NodeWindows? windows)
        : IIndirectActorProducer
    {
        public Type ActorType => typeof(AccountActor);

        public ActorBase Produce() => new AccountActor(accountId, accountRegion, settings, risk, alerts, windows);

        public void Release(ActorBase actor)
        {
        }
    }
}
