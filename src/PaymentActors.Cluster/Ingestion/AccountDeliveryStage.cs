using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Stage;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Cluster.Ingestion;

/// <summary>
/// Takes groups of transactions, sends one <see cref="SubmitTransactionBatch"/> per account in the group
/// to the shard region from the stage's own actor, and emits each outcome once it and every outcome before it
/// are in (answers come only after the events are durable): outcomes leave in input order, but an account that
/// answers fast is not held until the rest of its group has answered.
/// <para>
/// It pulls while a whole group still fits under <see cref="DeliverySettings.MaxInFlight"/> transactions taken and not
/// yet emitted: upstream gathers only while the stage is not pulling, so a lightly loaded node sends each transaction
/// as it comes and a busy one sends large groups.
/// </para>
/// <para>
/// Why not an ask per account batch: an ask registers a temporary actor, a timeout and a task
/// continuation for each batch, and under uniform load a group of 512 holds ≈ one transaction per
/// account, so that cost is paid per transaction. Here answers are matched by correlation id in a
/// dictionary; one timer per stage resends unanswered batches (same ids, idempotent) and fails the
/// stream after <see cref="DeliverySettings.MaxAttempts"/> sends.
/// </para>
/// </summary>
public sealed class AccountDeliveryStage<T, TOut>(
    IActorRef accountRegion, DeliverySettings settings, Func<T, TransactionRequest> request, Func<T, TransactionOutcome, TOut> combine)
    : GraphStage<FlowShape<List<T>, IReadOnlyList<TOut>>>
{
    private readonly IActorRef _region = accountRegion;
    private readonly DeliverySettings _settings = settings;
    private readonly Func<T, TransactionRequest> _request = request;
    private readonly Func<T, TransactionOutcome, TOut> _combine = combine;
    private readonly Inlet<List<T>> _in = new("AccountDelivery.in");
    private readonly Outlet<IReadOnlyList<TOut>> _out = new("AccountDelivery.out");

    public override FlowShape<List<T>, IReadOnlyList<TOut>> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    /// <param name="items">The list upstream gathered: the stage's from here on, not copied.</param>
    private sealed class Group(List<T> items)
    {
        public readonly List<T> Items = items;
        public readonly TOut[] Results = new TOut[items.Count];
        public readonly bool[] Answered = new bool[items.Count];

        /// <summary>How many of <see cref="Items"/>, from the first, have been emitted.</summary>
        public int Emitted;
    }

    private sealed class AccountBatch(Group group, string accountId)
    {
        public readonly Group Group = group;
        public readonly string AccountId = accountId;
        public readonly List<TransactionRequest> Requests = [];
        public readonly List<int> Positions = [];
        public int Attempts;
        public long SentAtMs;
    }

    private sealed class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        private const string ResendTimer = "resend";
        private readonly AccountDeliveryStage<T, TOut> _stage;
        private readonly Queue<Group> _groups = new();
        private readonly Dictionary<long, AccountBatch> _unanswered = new();
        private readonly long _timeoutMs;
        private readonly List<TOut> _ready = [];
        private long _nextCorrelationId;
        private long _inFlight;

        /// <summary>Taken from upstream and not yet emitted: what bounds pulling (memory, and the journal's buffer).</summary>
        private long _taken;
        private StageActor _self = null!;

        public Logic(AccountDeliveryStage<T, TOut> stage) : base(stage.Shape)
        {
            _stage = stage;
            _timeoutMs = (long)stage._settings.Timeout.TotalMilliseconds;
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            _self = GetStageActor(OnMessage);
            var every = TimeSpan.FromMilliseconds(Math.Clamp(_timeoutMs / 4, 10, 1_000));
            ScheduleRepeatedly(ResendTimer, every);
            Pull(_stage._in);
        }

        public void OnPush()
        {
            var group = new Group(Grab(_stage._in));
            var byAccount = new Dictionary<string, AccountBatch>(StringComparer.Ordinal);
            for (var i = 0; i < group.Items.Count; i++)
            {
                var r = _stage._request(group.Items[i]);
                if (!byAccount.TryGetValue(r.AccountId, out var batch))
                {
                    batch = new AccountBatch(group, r.AccountId);
                    byAccount[r.AccountId] = batch;
                }

                batch.Requests.Add(r);
                batch.Positions.Add(i);
            }

            _taken += group.Items.Count;
            _inFlight += group.Items.Count;
            PaymentsMetrics.InFlightChanged(group.Items.Count);
            _groups.Enqueue(group);
            foreach (var batch in byAccount.Values)
            {
                _unanswered[++_nextCorrelationId] = batch;
                Send(_nextCorrelationId, batch);
            }

            PullIfRoom();
        }

        public override void PostStop()
        {
            PaymentsMetrics.InFlightChanged(-_inFlight);
            _inFlight = 0;
        }

        public void OnUpstreamFinish()
        {
            if (_groups.Count == 0 && _ready.Count == 0)
            {
                CompleteStage();
            }
        }

        public void OnUpstreamFailure(Exception e) => FailStage(e);

        public void OnPull() => EmitCompleted();

        public void OnDownstreamFinish(Exception cause) => CompleteStage();

        private void OnMessage((IActorRef Sender, object Message) args)
        {
            if (args.Message is not TransactionBatchOutcome answer || !_unanswered.Remove(answer.CorrelationId, out var batch))
            {
                return; // an answer to an earlier send of a batch already answered
            }

            if (answer.Outcomes.Count != batch.Requests.Count)
            {
                FailStage(new InvalidOperationException(
                    $"account {batch.AccountId}: {answer.Outcomes.Count} outcomes for {batch.Requests.Count} requests"));
                return;
            }

            _inFlight -= batch.Requests.Count;
            PaymentsMetrics.InFlightChanged(-batch.Requests.Count);
            var group = batch.Group;
            for (var k = 0; k < batch.Positions.Count; k++)
            {
                var outcome = answer.Outcomes[k];
                // After a resend, our own earlier send may have been applied: that is its outcome, not a duplicate.
                if (batch.Attempts > 1 && outcome.IsDuplicate)
                {
                    outcome = outcome with { IsDuplicate = false };
                }

                var position = batch.Positions[k];
                group.Results[position] = _stage._combine(group.Items[position], outcome);
                group.Answered[position] = true;
            }

            if (group == _groups.Peek())
            {
                EmitCompleted();
            }
        }

        protected override void OnTimer(object timerKey)
        {
            var now = Environment.TickCount64;
            foreach (var (correlationId, batch) in _unanswered)
            {
                if (now - batch.SentAtMs < _timeoutMs)
                {
                    continue;
                }

                if (batch.Attempts >= _stage._settings.MaxAttempts)
                {
                    FailStage(new TimeoutException(
                        $"account {batch.AccountId}: no answer after {batch.Attempts} sends of {_timeoutMs} ms; the outcome is unknown, resubmitting the same ids is safe"));
                    return;
                }

                Send(correlationId, batch);
            }
        }

        private void Send(long correlationId, AccountBatch batch)
        {
            batch.Attempts++;
            batch.SentAtMs = Environment.TickCount64;
            _stage._region.Tell(new SubmitTransactionBatch(batch.AccountId, batch.Requests, correlationId, CountedBySender: true), _self.Ref);
        }

        /// <summary>Emits every answered outcome not preceded by an unanswered one: outcomes leave in input order.</summary>
        private void EmitCompleted()
        {
            while (_groups.Count > 0)
            {
                var head = _groups.Peek();
                while (head.Emitted < head.Items.Count && head.Answered[head.Emitted])
                {
                    _ready.Add(head.Results[head.Emitted]);
                    head.Results[head.Emitted++] = default!;
                }

                if (head.Emitted < head.Items.Count)
                {
                    break;
                }

                _groups.Dequeue();
            }

            if (_ready.Count == 0 || !IsAvailable(_stage._out))
            {
                return;
            }

            _taken -= _ready.Count;
            Push(_stage._out, _ready.ToArray());
            _ready.Clear();
            if (_groups.Count == 0 && IsClosed(_stage._in))
            {
                CompleteStage();
                return;
            }

            PullIfRoom();
        }

        private void PullIfRoom()
        {
            // Room for a whole group: an idle stage takes each transaction as it comes, a busy one waits for room and
            // then takes everything gathered meanwhile (one message per account for all of it).
            if (_taken <= _stage._settings.MaxInFlight - _stage._settings.GroupSize && !HasBeenPulled(_stage._in) && !IsClosed(_stage._in))
            {
                Pull(_stage._in);
            }
        }
    }
}
