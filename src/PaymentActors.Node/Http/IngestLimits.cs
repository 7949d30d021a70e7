namespace PaymentActors.Node.Http;

/// <summary>
/// What one <c>POST /transactions</c> may cost the node, so that no client can wedge it (README, "HTTP API").
/// </summary>
/// <param name="MaxBufferedBodyBytes">A body with a Content-Length is read whole before anything is applied, so a client
/// that sends everything before it reads works; beyond this size the answer is 413 and nothing is read or applied.</param>
/// <param name="MaxStreamedBodyBytes">A chunked body is read as a stream with backpressure (answers flow while it arrives);
/// at this size the server stops reading, answers every record it read and ends with an error line.</param>
/// <param name="WriteTimeout">A client that does not read its answers for this long is cut and its slot freed; records
/// it sent that were not yet delivered are not applied.</param>
/// <param name="DeliveryDeadline">How long a record may wait for its durable answer (journal down, account unreachable)
/// before it is answered <c>Unknown</c>, or the whole request 503, so that the client retries with the same id.</param>
/// <param name="MaxFutureSkew">Records dated further ahead of the node's clock are rejected (field <c>timestamp</c>).</param>
/// <param name="ReadIdleTimeout">A body that stalls (no byte) for this long is cut.</param>
public sealed record IngestLimits(
    long MaxBufferedBodyBytes = 64L << 20,
    long MaxStreamedBodyBytes = 1L << 30,
    TimeSpan? WriteTimeout = null,
    TimeSpan? DeliveryDeadline = null,
    TimeSpan? MaxFutureSkew = null,
    TimeSpan? ReadIdleTimeout = null)
{
    /// <summary>A body that sends nothing for this long is cut (what it sent before is answered).</summary>
    public TimeSpan EffectiveReadIdleTimeout => ReadIdleTimeout ?? TimeSpan.FromSeconds(10);

    /// <summary>Slowest upload or download accepted, after a grace period (Kestrel's minimum data rates).</summary>
    public const int MinBytesPerSecond = 1024;

    public static readonly TimeSpan MinRateGracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>Seconds a client is told to wait (Retry-After) after a 503 for an unavailable journal.</summary>
    public const int RetryAfterSeconds = 5;

    public TimeSpan EffectiveWriteTimeout => WriteTimeout ?? TimeSpan.FromSeconds(10);

    public TimeSpan EffectiveDeliveryDeadline => DeliveryDeadline ?? TimeSpan.FromSeconds(15);
}
