using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PaymentActors.Testing;

/// <summary>
/// Everything a test run or the benchmark starts outside its own process (node processes, PostgreSQL servers),
/// so that a failure, Ctrl+C or SIGTERM still ends it: each owner runs or forgets its <see cref="Cleanup"/> when
/// done; whatever is left runs when the process exits or is signalled (not on SIGKILL), newest first.
/// </summary>
public static class ChildProcesses
{
    private static readonly Lock Gate = new();
    private static readonly List<Cleanup> Cleanups = [];
    private static readonly List<PosixSignalRegistration> Signals = [];
    private static bool _hooked;

    public static Cleanup Register(Action action)
    {
        var cleanup = new Cleanup(action);
        lock (Gate)
        {
            if (!_hooked)
            {
                _hooked = true;
                // SIGTERM and SIGINT end a .NET process without running ProcessExit handlers: catch them, clean up, then
                // end the process ourselves. Not left to the default action: a node host running in this process
                // (Microsoft.Extensions.Hosting's console lifetime) cancels it to stop only itself, and the benchmark
                // would then wait forever on the stopped node.
                foreach (var (signal, exitCode) in new[] { (PosixSignal.SIGTERM, 143), (PosixSignal.SIGINT, 130), (PosixSignal.SIGQUIT, 131), (PosixSignal.SIGHUP, 129) })
                {
                    Signals.Add(PosixSignalRegistration.Create(signal, context =>
                    {
                        context.Cancel = true;
                        Task.Run(() =>
                        {
                            RunAll();
                            Environment.Exit(exitCode);
                        });
                    }));
                }

                AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();
                AppDomain.CurrentDomain.UnhandledException += (_, _) => RunAll();
            }

            Cleanups.Add(cleanup);
        }

        return cleanup;
    }

    /// <summary>kill -9 of <paramref name="process"/> and its children, if it still runs; waits up to 10 s for it to go.</summary>
    public static void KillTree(Process? process)
    {
        try
        {
            if (process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    internal static void Forget(Cleanup cleanup)
    {
        lock (Gate)
        {
            Cleanups.Remove(cleanup);
        }
    }

    private static void RunAll()
    {
        List<Cleanup> pending;
        lock (Gate)
        {
            pending = Enumerable.Reverse(Cleanups).ToList();
        }

        foreach (var cleanup in pending)
        {
            try
            {
                cleanup.Run();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                // best effort at exit
            }
        }
    }
}
