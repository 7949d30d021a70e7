using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace PaymentActors.Testing;

/// <summary>
/// A real <c>paymentactors node</c> process on 127.0.0.1 on PostgreSQL (the executable built beside the tests or
/// the benchmark), its output in a log file per start. Can be killed and started again; stopped with SIGTERM (a
/// graceful leave), killed with its process tree if it does not exit in time, and killed when the calling process
/// exits or is signalled while it still runs (<see cref="ChildProcesses"/>).
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly string _logDirectory;
    private Process? _process;
    private Cleanup? _cleanup;
    private int _starts;
    private NodeLog? _log;

    /// <summary>Output of one incarnation; lines arriving after it is closed are dropped, never thrown on.</summary>
    private sealed class NodeLog(string path) : IDisposable
    {
        private readonly StreamWriter _writer = new(path) { AutoFlush = true };
        private bool _closed;

        public void Write(string line)
        {
            lock (_writer)
            {
                if (!_closed)
                {
                    _writer.WriteLine(line);
                }
            }
        }

        public void Dispose()
        {
            lock (_writer)
            {
                _closed = true;
                _writer.Dispose();
            }
        }
    }

    public NodeProcess(string name, int port, int httpPort, IReadOnlyList<string> seeds, string connectionString, string logDirectory)
    {
        Name = name;
        Port = port;
        HttpPort = httpPort;
        Seeds = seeds;
        ConnectionString = connectionString;
        _logDirectory = logDirectory;
    }

    /// <summary>Fast failure detection and downing (<c>cluster-config/test-fast-downing.hocon</c>), as tests want;
    /// false keeps the production defaults (the benchmark).</summary>
    public bool FastDowning { get; init; } = true;

    /// <summary>Flags appended to the node's command line (e.g. <c>--config FILE</c>; a later flag wins: <c>--db memory</c>).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>TLS and API key flags and an HTTP client for the node's API; by default an explicit <c>--insecure</c>.</summary>
    public NodeSecurity Security { get; init; } = NodeSecurity.Insecure;

    private HttpClient HttpClient => Security.Http ?? Http;

    public string Name { get; }
    public int Port { get; }
    public int HttpPort { get; }
    public IReadOnlyList<string> Seeds { get; }
    public string ConnectionString { get; }
    public string Address => AddressOf(Port);

    /// <summary>The address as the cluster reports it (akka.ssl.tcp with TLS).</summary>
    public string ClusterAddress => Security.Tls ? $"akka.ssl.tcp://payments@127.0.0.1:{Port}" : Address;

    public Uri BaseUri => new($"{HttpBase}/");
    public string HttpBase => $"{(Security.Tls ? "https" : "http")}://127.0.0.1:{HttpPort}";
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;
    public bool IsRunning => _process is { HasExited: false };
    public string LogFile => Path.Combine(_logDirectory, $"{Name}-{_starts}.log");

    public static string AddressOf(int port) => $"akka.tcp://payments@127.0.0.1:{port}";

    /// <summary>The node's own folder for its JSON Lines outputs (window results, alerts).</summary>
    public string DataDirectory => Path.Combine(_logDirectory, Name + "-data");

    public void Start()
    {
        _starts++;
        Directory.CreateDirectory(_logDirectory);
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A flag given in ExtraArguments replaces the default (an option may be given once).
        string[] defaults =
        [
            "--host", "127.0.0.1", "--port", Invariant(Port), "--http-port", Invariant(HttpPort),
            "--db", "postgres", "--connection", ConnectionString, "--seeds", string.Join(",", Seeds), "--data-dir", DataDirectory,
        ];
        var kept = defaults.Chunk(2).Where(pair => !ExtraArguments.Contains(pair[0])).SelectMany(pair => pair);
        foreach (var a in new[] { "exec", RepoPaths.NodeDll, "node" }.Concat(kept).Concat(Security.Arguments).Concat(ExtraArguments))
        {
            info.ArgumentList.Add(a);
        }

        if (FastDowning)
        {
            info.Environment["PAYMENTS_CONFIG"] = Path.Combine(RepoPaths.Root, "cluster-config", "test-fast-downing.hocon");
        }

        _log?.Dispose();
        var log = _log = new NodeLog(LogFile);
        _process?.Dispose();
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node");
        _cleanup ??= ChildProcesses.Register(Kill);
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>kill -9: no leave, no hand-over; the cluster must detect and down it.</summary>
    public void Kill() => ChildProcesses.KillTree(_process);

    /// <summary>SIGTERM: CoordinatedShutdown leaves the cluster and hands shards over; killed after <paramref name="timeout"/>.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }

        try
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", Invariant(p.Id)], TimeSpan.FromSeconds(10));
            using var cts = new CancellationTokenSource(timeout);
            await p.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Kill();
        }
    }

    public async Task<JsonElement?> ClusterAsync()
    {
        try
        {
            return await HttpClient.GetFromJsonAsync<JsonElement>(new Uri(BaseUri, "cluster"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>GET /metrics: the node's shard allocation and locality counters.</summary>
    public async Task<JsonElement> MetricsAsync() =>
        JsonDocument.Parse(await HttpClient.GetStringAsync(new Uri(BaseUri, "cluster/shards"))).RootElement;

    /// <summary>Reads GET /dashboard/events until a snapshot satisfies <paramref name="until"/>, and returns that snapshot.</summary>
    public async Task<JsonElement> DashboardSnapshotAsync(Func<JsonElement, bool> until, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var last = "(none)";
        try
        {
            using var response = await HttpClient.GetAsync(new Uri(BaseUri, "dashboard/events"), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                last = line["data:".Length..].Trim();
                var snapshot = JsonSerializer.Deserialize<JsonElement>(last);
                if (until(snapshot))
                {
                    return snapshot;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"node {Name}: no dashboard snapshot as expected within {timeout}; last: {last}");
    }

    /// <summary>Waits until this node sees <paramref name="upCount"/> members Up and none unreachable.</summary>
    public async Task WaitForUpMembersAsync(int upCount, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"node {Name} exited with {_process.ExitCode}; see {LogFile}");
            }

            var state = await ClusterAsync();
            if (state is { } s)
            {
                last = s.ToString();
                var up = s.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up" &&
                    m.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "payments"));
                if (up == upCount && s.GetProperty("unreachable").GetArrayLength() == 0)
                {
                    return;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"node {Name} did not see {upCount} Up members within {timeout}; last state: {last}; log: {LogFile}");
    }

    /// <summary>Waits for the process to exit on its own; its exit code, or null if it still runs at the deadline.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null)
        {
            return null;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        await StopGracefullyAsync(TimeSpan.FromSeconds(10));
        _cleanup?.Forget();
        _process?.Dispose();
        _log?.Dispose();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
