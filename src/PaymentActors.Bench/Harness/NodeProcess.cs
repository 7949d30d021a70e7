using System.Diagnostics;
using System.Text.Json;

namespace PaymentActors.Bench.Harness;

/// <summary>
/// A real <c>paymentactors node</c> process on 127.0.0.1 (the executable built beside the benchmark) on
/// PostgreSQL, its output in a log file. Stopped with SIGTERM (a graceful leave), killed with its process
/// tree if it does not exit in time, and killed at the benchmark's exit if still running.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly Process _process;
    private readonly Cleanup _cleanup;
    private readonly StreamWriter _log;

    private NodeProcess(string name, int port, int httpPort, string logFile, Process process, StreamWriter log)
    {
        Name = name;
        Port = port;
        HttpPort = httpPort;
        LogFile = logFile;
        _process = process;
        _log = log;
        _cleanup = ChildProcesses.Register(Kill);
    }

    public string Name { get; }
    public int Port { get; }
    public int HttpPort { get; }
    public string LogFile { get; }
    public string Address => AddressOf(Port);
    public Uri BaseUri => new($"http://127.0.0.1:{HttpPort}/");

    public static string AddressOf(int port) => $"akka.tcp://payments@127.0.0.1:{port}";

    /// <summary>The node executable copied beside the benchmark by its project reference.</summary>
    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "paymentactors.dll");

    /// <param name="config">A HOCON file with the highest priority (<c>--config</c>).</param>
    public static NodeProcess Start(string name, int port, int httpPort, IReadOnlyList<string> seeds, string connectionString, string directory,
        string config, int maxIngestRequests)
    {
        Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     "exec", NodeDll, "node", "--host", "127.0.0.1", "--port", port.ToString(), "--http-port", httpPort.ToString(),
                     "--seeds", string.Join(",", seeds), "--db", "postgres", "--connection", connectionString,
                     "--data-dir", Path.Combine(directory, name + "-data"), "--config", config, "--max-ingest-requests", maxIngestRequests.ToString(),
                     // Loopback-only throwaway cluster: measured without TLS and HTTP authentication (docs/SECURITY.md).
                     "--insecure",
                 })
        {
            info.ArgumentList.Add(a);
        }

        var logFile = Path.Combine(directory, name + ".log");
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node process");
        void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                try
                {
                    log.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(name, port, httpPort, logFile, process, log);
    }

    /// <summary>Waits until this node sees <paramref name="nodes"/> payment nodes Up and none unreachable.</summary>
    public async Task WaitUpAsync(int nodes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"node {Name} exited with {_process.ExitCode}; see {LogFile}");
            }

            try
            {
                var state = JsonDocument.Parse(await Http.GetStringAsync(new Uri(BaseUri, "cluster"))).RootElement;
                last = state.ToString();
                var up = state.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up" &&
                    m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "payments"));
                if (up == nodes && state.GetProperty("unreachable").GetArrayLength() == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"node {Name} did not see {nodes} nodes Up within {timeout}; last state: {last}; log: {LogFile}");
    }

    /// <summary>GET /metrics: the node's shard allocation and locality counters.</summary>
    public async Task<JsonElement> MetricsAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync(new Uri(BaseUri, "metrics"))).RootElement;

    /// <summary>SIGTERM (CoordinatedShutdown leaves the cluster), then kill the tree after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            try
            {
                await ChildProcesses.RunAsync("kill", ["-TERM", _process.Id.ToString()], TimeSpan.FromSeconds(10));
                using var cts = new CancellationTokenSource(timeout);
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Kill();
            }
        }

        _cleanup.Forget();
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
