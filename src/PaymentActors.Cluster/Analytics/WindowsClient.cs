using Akka.Actor;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Analytics;

namespace PaymentActors.Cluster.Analytics;

/// <summary>Typed async façade over the window-collector singleton (its proxy), as <c>PaymentsClient</c> is over the accounts.</summary>
public sealed class WindowsClient(IActorRef collector, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);

    /// <summary>Final results of one window kind (e.g. "hourly"), keys starting with a prefix (e.g. "type:"), overlapping [from, to).</summary>
    public async Task<IReadOnlyList<WindowResult>> GetResultsAsync(string? window = null, string? keyPrefix = null, long fromMs = long.MinValue,
        long toMs = long.MaxValue, CancellationToken cancellationToken = default) =>
        (await collector.Ask<WindowResults>(new GetWindowResults(window, keyPrefix, fromMs, toMs), _timeout, cancellationToken)).Results;

    /// <summary>Every result the query matches, page after page (a page is at most the collector's maximum).</summary>
    public async Task<IReadOnlyList<WindowResult>> GetAllResultsAsync(string? window = null, string? keyPrefix = null, long fromMs = long.MinValue,
        long toMs = long.MaxValue, CancellationToken cancellationToken = default)
    {
        var all = new List<WindowResult>();
        while (true)
        {
            var page = await collector.Ask<WindowResults>(new GetWindowResults(window, keyPrefix, fromMs, toMs, all.Count), _timeout, cancellationToken);
            all.AddRange(page.Results);
            if (!page.Truncated || page.Results.Count == 0)
            {
                return all;
            }
        }
    }

    public Task<CollectorStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        collector.Ask<CollectorStatus>(GetCollectorStatus.Instance, _timeout, cancellationToken);
}
