using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using PaymentActors.Domain.Accounts;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>Registry key of the alert collector singleton.</summary>
public sealed class AlertCollector;

/// <summary>
/// Cluster singleton collecting every flagged or risk-declined decision. Persistent (a new singleton
/// after fail-over has them all), idempotent by transaction id, queryable by account and event-time range;
/// keeps the newest <c>retain</c> alerts in memory for queries, writes every alert to the sinks.
/// </summary>
public sealed class AlertCollectorActor : ReceivePersistentActor
{
    private readonly IReadOnlyList<IAlertSink> _sinks;
    private readonly int _retain;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<Alert> _alerts = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private long _total;

    public static Props Props(IReadOnlyList<IAlertSink> sinks, int retain = 100_000) =>
        Akka.Actor.Props.Create(() => new AlertCollectorActor(sinks, retain));

    public AlertCollectorActor(IReadOnlyList<IAlertSink> sinks, int retain)
    {
        _sinks = sinks;
        _retain = retain;
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is AlertsSnapshot s)
            {
                foreach (var a in s.Alerts)
                {
                    Remember(a);
                }

                _total = s.Total;
            }
        });
        Recover<AlertRaised>(e =>
        {
            if (Remember(e.Alert))
            {
                _total++;
            }
        });
        Command<AlertRaised>(e =>
        {
            if (_ids.Contains(e.Alert.TransactionId))
            {
                return; // the same decision reported again
            }

            Persist(e, persisted =>
            {
                if (Remember(persisted.Alert))
                {
                    _total++;
                }

                foreach (var sink in _sinks)
                {
                    try
                    {
                        sink.Write(persisted.Alert);
                    }
                    catch (Exception ex)
                    {
                        _log.Error(ex, "Alert sink {0} failed for {1}", sink.GetType().Name, persisted.Alert.TransactionId);
                    }
                }

                if (LastSequenceNr % 1_000 == 0)
                {
                    SaveSnapshot(new AlertsSnapshot(_alerts.ToList(), _total));
                }
            });
        });
        Command<GetAlerts>(q =>
        {
            // Total is the number of alerts matching the query (the account and time range), not the number ever
            // recorded: "/alerts?account=A" for an account without alerts answers 0. Unfiltered, it is every alert
            // recorded, including those older than the retained window.
            var result = new List<Alert>();
            long matching = 0;
            for (var node = _alerts.Last; node is not null; node = node.Previous)
            {
                var a = node.Value;
                if ((q.AccountId is null || a.AccountId == q.AccountId) && a.EventTimeMs >= q.FromMs && a.EventTimeMs < q.ToMs)
                {
                    matching++;
                    if (result.Count < Math.Max(1, q.Limit))
                    {
                        result.Add(a);
                    }
                }
            }

            var unfiltered = q.AccountId is null && q.FromMs == long.MinValue && q.ToMs == long.MaxValue;
            Sender.Tell(new AlertsReply(result, unfiltered ? _total : matching));
        });
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => "alert-collector";

    private bool Remember(Alert alert)
    {
        if (!_ids.Add(alert.TransactionId))
        {
            return false;
        }

        _alerts.AddLast(alert);
        while (_alerts.Count > _retain)
        {
            _ids.Remove(_alerts.First!.Value.TransactionId);
            _alerts.RemoveFirst();
        }

        return true;
    }
}
