using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;
using static PaymentActors.Protocol.Serialization.CommonFormat;
using P = PaymentActors.Protocol.Serialization.Proto;

namespace PaymentActors.Protocol.Serialization;

/// <summary>Format 2 of the analytics area (analytics.proto): window partials and queries (remote), the collector's events and snapshot (persisted).</summary>
internal static class AnalyticsFormat
{
    public static void Bind(FormatTwo f)
    {
        // Remote
        f.Bind<WindowPartials, P.WindowPartials>("W1v2", P.WindowPartials.Parser,
            m => new() { Source = m.Source, Partials = { m.Partials.Select(PartialToProto) }, Watermark = m.Watermark, Idle = m.Idle, Sequence = m.Sequence },
            p => new(p.Source, p.Partials.Select(PartialFromProto).ToArray(), p.Watermark, p.Idle, p.Sequence));
        f.Bind<RetireWindowSource, P.RetireWindowSource>("W2v2", P.RetireWindowSource.Parser,
            m => new() { Source = m.Source },
            p => new(p.Source));
        f.Bind<GetWindowResults, P.GetWindowResults>("W3v2", P.GetWindowResults.Parser,
            m => new() { Window = m.Window, KeyPrefix = m.KeyPrefix, FromMs = m.FromMs, ToMs = m.ToMs, Offset = m.Offset, Limit = m.Limit },
            p => new(p.Window, p.KeyPrefix, p.FromMs, p.ToMs, p.Offset, p.Limit));
        f.Bind<WindowResults, P.WindowResults>("W4v2", P.WindowResults.Parser,
            m => new() { Results = { m.Results.Select(ResultToProto) }, Truncated = m.Truncated },
            p => new(p.Results.Select(ResultFromProto).ToArray(), p.Truncated));
        f.Bind<GetCollectorStatus, P.GetCollectorStatus>("W5v2", P.GetCollectorStatus.Parser,
            _ => new(),
            _ => GetCollectorStatus.Instance);
        f.Bind<CollectorStatus, P.CollectorStatus>("W6v2", P.CollectorStatus.Parser,
            m => new()
            {
                Watermarks = { m.Watermarks.ToDictionary() }, RetiredSources = { m.RetiredSources }, MinWatermark = m.MinWatermark,
                OpenWindows = m.OpenWindows, KeptWindows = m.KeptWindows, ResultsEmitted = m.ResultsEmitted,
            },
            p => new(p.Watermarks.ToDictionary(), p.RetiredSources.ToArray(), p.MinWatermark, p.OpenWindows, p.KeptWindows, p.ResultsEmitted));
        f.Bind<WindowPartialsAck, P.WindowPartialsAck>("W7v2", P.WindowPartialsAck.Parser,
            m => new() { Source = m.Source, Sequence = m.Sequence },
            p => new(p.Source, p.Sequence));

        // The collector's events and snapshot (persisted)
        f.Bind<PartialsRecorded, P.PartialsRecorded>("WE1v2", P.PartialsRecorded.Parser,
            e => new() { Source = e.Source, Partials = { e.Partials.Select(PartialToProto) }, Watermark = e.Watermark, Idle = e.Idle, Sequence = e.Sequence },
            p => new(p.Source, p.Partials.Select(PartialFromProto).ToArray(), p.Watermark, p.Idle, p.Sequence));
        f.Bind<SourceRetired, P.SourceRetired>("WE2v2", P.SourceRetired.Parser,
            e => new() { Source = e.Source },
            p => new(p.Source));
        f.Bind<ResultsEmitted, P.ResultsEmitted>("WE3v2", P.ResultsEmitted.Parser,
            e => new() { Results = { e.Results.Select(ResultToProto) } },
            p => new(p.Results.Select(ResultFromProto).ToArray()));
        f.Bind<CollectorSnapshot, P.CollectorSnapshot>("WS1v2", P.CollectorSnapshot.Parser, SnapshotToProto, SnapshotFromProto);

        // Window projections (persisted)
        f.Bind<WindowProjectionStarted, P.WindowProjectionStarted>("WP1v2", P.WindowProjectionStarted.Parser,
            e => new() { Epoch = e.Epoch },
            p => new(p.Epoch));
        f.Bind<WindowProjectionCheckpoint, P.WindowProjectionCheckpoint>("WP2v2", P.WindowProjectionCheckpoint.Parser,
            e => new() { Offset = e.Offset },
            p => new(p.Offset));
        f.Bind<BoundedInputEnded, P.BoundedInputEnded>("WP3v2", P.BoundedInputEnded.Parser,
            e => new() { MaxEventTimeMs = e.MaxEventTimeMs },
            p => new(p.MaxEventTimeMs));
        f.Bind<WindowProjectionSnapshot, P.WindowProjectionSnapshot>("WP4v2", P.WindowProjectionSnapshot.Parser,
            s => new()
            {
                Offset = s.Offset, Epoch = s.Epoch, NewestEventTime = s.NewestEventTime,
                Windows = new()
                {
                    Watermark = s.Windows.Watermark, MaxEventTime = s.Windows.MaxEventTime, LateDropped = s.Windows.LateDropped,
                    Processed = s.Windows.Processed, Windows = { s.Windows.Windows.Select(PartialToProto) },
                },
            },
            p => new(p.Offset, p.Epoch, new PartialWindowsState(p.Windows.Watermark, p.Windows.MaxEventTime, p.Windows.LateDropped,
                p.Windows.Processed, p.Windows.Windows.Select(PartialFromProto).ToArray()), p.NewestEventTime));
    }

    private static P.PartialWindowResult PartialToProto(PartialWindowResult r) =>
        new() { Window = r.Window, Key = r.Key, Start = r.Start, End = r.End, Stats = ToProto(r.Stats) };

    private static PartialWindowResult PartialFromProto(P.PartialWindowResult r) => new(r.Window, r.Key, r.Start, r.End, FromProto(r.Stats));

    private static P.WindowResult ResultToProto(WindowResult r) =>
        new() { Window = r.Window, Key = r.Key, Start = r.Start, End = r.End, Revision = r.Revision, Stats = ToProto(r.Stats) };

    private static WindowResult ResultFromProto(P.WindowResult r) => new(r.Window, r.Key, r.Start, r.End, r.Revision, FromProto(r.Stats));

    private static P.CollectorSnapshot SnapshotToProto(CollectorSnapshot s) => new()
    {
        Watermarks = { s.Watermarks.ToDictionary() },
        RetiredSources = { s.RetiredSources },
        Windows =
        {
            s.Windows.Select(w => new P.CollectedWindow
            {
                Window = w.Window,
                Key = w.Key,
                Start = w.Start,
                End = w.End,
                Parts = { w.Parts.ToDictionary(kv => kv.Key, kv => ToProto(kv.Value)) },
                Revision = w.Revision,
                Dirty = w.Dirty,
                Last = w.Last is null ? null : ResultToProto(w.Last),
            }),
        },
        IdleSources = { s.IdleSources },
        Sequences = { s.Sequences.ToDictionary() },
    };

    private static CollectorSnapshot SnapshotFromProto(P.CollectorSnapshot s) => new(
        s.Watermarks.ToDictionary(),
        s.RetiredSources.ToArray(),
        s.Windows.Select(w => new CollectedWindow(w.Window, w.Key, w.Start, w.End,
            w.Parts.ToDictionary(kv => kv.Key, kv => FromProto(kv.Value)), w.Revision, w.Dirty,
            w.Last is null ? null : ResultFromProto(w.Last))).ToArray(),
        s.IdleSources.ToArray(),
        s.Sequences.ToDictionary());
}
