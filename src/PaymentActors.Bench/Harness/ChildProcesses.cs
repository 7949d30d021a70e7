using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace PaymentActors.Bench.Harness;

/// <summary>
/// How to end something the benchmark started outside its own process (a node process, a PostgreSQL
/// server). Runs at most once; a second caller waits until the first is done.
/// </summary>
public sealed class Cleanup
{
    private readonly Lock _gate = new();
    private Action? _action;

    internal Cleanup(Action action) => _action = action;

    public void Run()
    {
        lock (_gate)
        {
            var action = _action;
            _action = null;
            action?.Invoke();
        }

        ChildProcesses.Forget(this);
    }

    /// <summary>The owner ended it by other means: nothing left to do at exit.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _action = null;
        }

        ChildProcesses.Forget(this);
    }
}

/// <summary>
/// Everything the benchmark starts outside its own process, so that a failure, Ctrl+C or SIGTERM still ends
/// it: each owner runs or forgets its <see cref="Cleanup"/> when done; whatever is left runs when the
/// benchmark exits or is signalled (not on SIGKILL), newest first.
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

    /// <summary>Runs a command to completion within <paramref name="timeout"/> (killing its tree if it overruns); returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}: {stdout}{stderr}");
        }

        process.WaitForExit(); // flush the asynchronous readers
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free now and not handed out before in this run (the OS may offer a just-released one again).</summary>
    public static int FreeTcpPort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>The first parent of the benchmark binaries that holds <paramref name="relativePath"/> (the repository checkout), or null.</summary>
    public static string? FindAbove(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
