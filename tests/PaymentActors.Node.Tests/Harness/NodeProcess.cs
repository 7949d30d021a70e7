using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Harness;

/// <summary>A real <c>paymentactors node</c> process on 127.0.0.1, with its output in a log file.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly HttpClient PlainHttp = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpClient _http;
    private readonly string _logDirectory;
    private Process? _process;
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

    /// <param name="secrets">Mutual TLS and API keys from <c>certs</c>; null: the node runs with an explicit <c>--insecure</c>.</param>
    /// <param name="index">Which node certificate of <paramref name="secrets"/> this node uses.</param>
    /// <param name="extraArgs">Flags after the usual ones (a later flag wins: e.g. <c>--db memory</c>).</param>
    public NodeProcess(string name, int port, int httpPort, IReadOnlyList<string> seeds, string connectionString, string logDirectory,
        ClusterSecrets? secrets = null, int index = 0, IReadOnlyList<string>? extraArgs = null)
    {
        Secrets = secrets;
        _index = index;
        _extraArgs = extraArgs ?? [];
        _http = secrets?.Http(secrets.ReadKey) ?? PlainHttp;
        Name = name;
        Port = port;
        HttpPort = httpPort;
        Seeds = seeds;
        ConnectionString = connectionString;
        _logDirectory = logDirectory;
    }

    private readonly int _index;
    private readonly IReadOnlyList<string> _extraArgs;

    public ClusterSecrets? Secrets { get; }
    public string Name { get; }
    public int Port { get; }
    public int HttpPort { get; }
    public IReadOnlyList<string> Seeds { get; }
    public string ConnectionString { get; }
    public string Address => $"akka.tcp://payments@127.0.0.1:{Port}";

    /// <summary>The address as the cluster reports it (akka.ssl.tcp with TLS).</summary>
    public string ClusterAddress => Secrets is null ? Address : $"akka.ssl.tcp://payments@127.0.0.1:{Port}";

    public string HttpBase => $"{(Secrets is null ? "http" : "https")}://127.0.0.1:{HttpPort}";

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;
    public bool IsRunning => _process is { HasExited: false };
    public string LogFile => Path.Combine(_logDirectory, $"{Name}-{_starts}.log");

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
        foreach (var a in new[]
                 {
                     "exec", RepoPaths.NodeDll, "node", "--host", "127.0.0.1", "--port", Port.ToString(), "--http-port", HttpPort.ToString(),
                     "--db", "postgres", "--connection", ConnectionString, "--seeds", string.Join(",", Seeds), "--data-dir", DataDirectory,
                 })
        {
            info.ArgumentList.Add(a);
        }

        IEnumerable<string> security = Secrets is null ? ["--insecure"] : [.. Secrets.NodeTlsArgs(_index), "--api-keys", Secrets.ApiKeysFile];
        foreach (var a in security.Concat(_extraArgs))
        {
            info.ArgumentList.Add(a);
        }

        // Fast failure detection and downing for tests (production keeps the defaults in cluster-config).
        info.Environment["PAYMENTS_CONFIG"] = Path.Combine(RepoPaths.Root, "cluster-config", "test-fast-downing.hocon");
        _log?.Dispose();
        var log = _log = new NodeLog(LogFile);
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Write(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>kill -9: no leave, no hand-over; the cluster must detect and down it.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM: CoordinatedShutdown leaves the cluster and hands shards over.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }

        using var kill = Process.Start("kill", ["-TERM", p.Id.ToString()]);
        await kill!.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async Task<JsonElement?> ClusterAsync()
    {
        try
        {
            return await _http.GetFromJsonAsync<JsonElement>($"{HttpBase}/cluster");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
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
        _process?.Dispose();
        _log?.Dispose();
    }
}
