using Microsoft.Extensions.Hosting;

namespace PaymentActors.Cluster.Hosting;

/// <summary>
/// A host lifetime that leaves SIGINT and SIGTERM alone. The default (console) lifetime would stop the host, and
/// with it the actor system, underneath a running ingestion; the program that owns the host decides instead
/// (the CLI stops its verb first, then the host).
/// </summary>
public sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
