using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;

namespace PaymentActors.Protocol.Analytics;

/// <summary>
/// A node's window stage → the collector: latest partials and the stage's watermark. Idempotent.
/// <paramref name="Idle"/>: the stage has seen no input for its idle timeout and does not hold the cluster's watermark back.
/// <paramref name="Sequence"/>: per source, from 1; the collector acknowledges each batch once persisted, the node resends
/// until then, and a batch at or below the last one applied is only acknowledged again (never applied twice or out of order).
/// </summary>
public sealed record WindowPartials(string Source, IReadOnlyList<PartialWindowResult> Partials, long Watermark, bool Idle = false, long Sequence = 0)
    : IPaymentsMessage;

/// <summary>The collector → a node's window stage: every batch up to Sequence is durable.</summary>
public sealed record WindowPartialsAck(string Source, long Sequence) : IPaymentsMessage;

/// <summary>A window source is gone for good (its node left, or its stream ended): stop waiting for its watermark.</summary>
public sealed record RetireWindowSource(string Source) : IPaymentsMessage;

/// <summary>
/// Query merged results, ordered by start, window and key: a page of at most <paramref name="Limit"/> (0: the collector's
/// maximum, which also caps it) after skipping <paramref name="Offset"/>. Reply: <see cref="WindowResults"/>.
/// </summary>
public sealed record GetWindowResults(string? Window, string? KeyPrefix, long FromMs, long ToMs, int Offset = 0, int Limit = 0) : IPaymentsMessage;

/// <param name="Truncated">More results match after this page: ask again with the offset advanced by <c>Results.Count</c>.</param>
public sealed record WindowResults(IReadOnlyList<WindowResult> Results, bool Truncated = false) : IPaymentsMessage;

/// <summary>Query the collector's progress. Reply: <see cref="CollectorStatus"/>.</summary>
public sealed record GetCollectorStatus : IPaymentsMessage
{
    public static readonly GetCollectorStatus Instance = new();
}

public sealed record CollectorStatus(IReadOnlyDictionary<string, long> Watermarks, IReadOnlyList<string> RetiredSources,
    long MinWatermark, int OpenWindows, int KeptWindows, long ResultsEmitted) : IPaymentsMessage;

/// <summary>Persisted by the collector: what it was told, so a new singleton resumes exactly.</summary>
public interface ICollectorEvent;

public sealed record PartialsRecorded(string Source, IReadOnlyList<PartialWindowResult> Partials, long Watermark, bool Idle, long Sequence) : ICollectorEvent;

public sealed record SourceRetired(string Source) : ICollectorEvent;

public sealed record ResultsEmitted(IReadOnlyList<WindowResult> Results) : ICollectorEvent;

/// <summary>
/// Persisted by a window projection (a reader of the journal that aggregates the decisions of one partition of the
/// accounts into partial windows) or read by it from the journal.
/// </summary>
public interface IWindowProjectionEvent;

/// <summary>A projection started (again): its partials are numbered from <c>Epoch &lt;&lt; 32</c>, above anything it sent before.</summary>
public sealed record WindowProjectionStarted(long Epoch) : IWindowProjectionEvent;

/// <summary>A projection is about to save its state as of <paramref name="Offset"/> (gives the snapshot its own sequence number).</summary>
public sealed record WindowProjectionCheckpoint(long Offset) : IWindowProjectionEvent;

/// <summary>
/// The end of a bounded input (a file replay), written to the journal after the input's last decision was durable:
/// a projection that reads it has read every decision of that input, and fires the windows that hold its newest one.
/// </summary>
public sealed record BoundedInputEnded(long MaxEventTimeMs) : IWindowProjectionEvent;

/// <summary>
/// A projection's state: its windows as of the journal offset it had read, every partial they fired acknowledged, and the
/// newest event time of any account's decision it has read (its watermark follows the whole journal's event time, not
/// only its partition's; long.MinValue: none yet).
/// </summary>
public sealed record WindowProjectionSnapshot(long Offset, long Epoch, PartialWindowsState Windows, long NewestEventTime = long.MinValue);
