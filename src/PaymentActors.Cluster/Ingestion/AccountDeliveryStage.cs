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
/// to the shard region from the stage's own actor, and emits each group's outcomes, in input order, once
/// every account of the group has answered (answers come only after the events are durable).
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
    : GraphStage<FlowShape<IEnumerable<T>, IReadOnlyList<TOut>>>
{
    private readonly IActorRef _region = accountRegion;
    private readonly DeliverySettings _settings = settings;
    private readonly Func<T, TransactionRequest> _request = request;
    private readonly Func<T, TransactionOutcome, TOut> _combine = combine;
    private readonly Inlet<IEnumerable<T>> _in = new("AccountDelivery.in");
    private readonly Outlet<IReadOnlyList<TOut>> _out = new("AccountDelivery.out");

    public override FlowShape<IEnumerable<T>, IReadOnlyList<TOut>> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Group(T[] items)
    {
        public readonly T[] Items = items;
        public readonly TOut[] Results = new TOut[items.Length];
        public int Remaining;
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
        private long _nextCorrelationId;
        private long _inFlight;
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
            var group = new Group(Grab(_stage._in).ToArray());
            var byAccount = new Dictionary<string, AccountBatch>(StringComparer.Ordinal);
            for (var i = 0; i < group.Items.Length; i++)
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

            group.Remaining = byAccount.Count;
            _inFlight += group.Items.Length;
            PaymentsMetrics.InFlightChanged(group.Items.Length);
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
            if (_groups.Count == 0)
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
            }

            group.Remaining--;
            EmitCompleted();
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

        /// <summary>Emits the oldest group once it is complete: outcomes leave in input order.</summary>
        private void EmitCompleted()
        {
            if (_groups.Count == 0 || _groups.Peek().Remaining > 0 || !IsAvailable(_stage._out))
            {
                return;
            }

            Push(_stage._out, _groups.Dequeue().Results);
            if (_groups.Count == 0 && IsClosed(_stage._in))
            {
                CompleteStage();
                return;
            }

            PullIfRoom();
        }

        private void PullIfRoom()
        {
            if (_groups.Count < _stage._settings.Parallelism && !HasBeenPulled(_stage._in) && !IsClosed(_stage._in))
            {
                Pull(_stage._in);
            }
        }
    }
}
