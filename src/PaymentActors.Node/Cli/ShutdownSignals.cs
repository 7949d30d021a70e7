using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PaymentActors.Node.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM: the first asks the running verb to stop (its token is cancelled: ingestion stops
/// after committing its offsets, a node leaves the cluster); a second one forces the process to end at once.
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    /// <summary>The conventional exit code of a program stopped by SIGINT.</summary>
    public const int InterruptedExitCode = 130;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    private ShutdownSignals()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => _stop.Token;

    private static ShutdownSignals? _installed;

    /// <summary>Installs the handlers for the process; <see cref="Stopping"/> follows them from then on.</summary>
    public static ShutdownSignals Install() => _installed = new ShutdownSignals();

    /// <summary>Cancelled at the first Ctrl+C or SIGTERM (never, before <see cref="Install"/>).</summary>
    public static CancellationToken Stopping => _installed?.Token ?? CancellationToken.None;

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // never the runtime's default (which runs exit handlers that may wait on the cluster)
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Console.Error.WriteLine($"{context.Signal}: stopping (again to force)");
            _stop.Cancel();
        }
        else
        {
            Console.Error.WriteLine($"{context.Signal}: forced stop");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
