using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PaymentActors.Testing;

/// <summary>
/// A real <c>paymentactors node</c> process alone on 127.0.0.1, on embedded SQLite (unless told otherwise) in a
/// data directory of its own, its output kept in memory. It can be killed and started again on the same ports and
/// data directory (a new incarnation of the same address); killed when the calling process exits
/// (<see cref="ChildProcesses"/>), and its data directory deleted on dispose.
/// </summary>
public sealed class SingleNodeProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string _directory;
    private readonly int _port;
    private readonly IReadOnlyList<string> _extraArgs;
    private readonly NodeSecurity _security;
    private Process? _process;
    private Cleanup? _cleanup;

    private SingleNodeProcess(string directory, int port, int httpPort, IReadOnlyList<string> extraArgs, NodeSecurity security)
    {
        _directory = directory;
        _port = port;
        _extraArgs = extraArgs;
        _security = security;
        HttpPort = httpPort;
        BaseUri = new Uri($"{(security.Tls ? "https" : "http")}://127.0.0.1:{httpPort}/");
        Http = security.Http ?? new HttpClient();
        Http.Timeout = TimeSpan.FromMinutes(1);
    }

    public int HttpPort { get; }

    /// <summary>The remoting port (the contact for client verbs: <c>akka.tcp://payments@127.0.0.1:PORT</c>).</summary>
    public int Port => _port;

    public Uri BaseUri { get; }

    /// <summary>A client for the node's API: plain, or (secured) trusting the cluster CA and sending the security's key.</summary>
    public HttpClient Http { get; }

    /// <summary>The running incarnation's process id (for /proc/PID/status).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("the node was never started");

    /// <summary>The node's data directory (journal, window results, alerts, dead letters).</summary>
    public string DataDirectory => _directory;

    /// <summary>Everything every incarnation wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a node with <c>--insecure</c> on free ports; <paramref name="extraArgs"/> are appended to its command line.</summary>
    public static SingleNodeProcess Start(params string[] extraArgs) => Start(NodeSecurity.Insecure, extraArgs);

    /// <summary>A node with <paramref name="security"/>'s flags (TLS, API keys) instead of <c>--insecure</c>.</summary>
    public static SingleNodeProcess Start(NodeSecurity security, params string[] extraArgs)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pa-node-" + Guid.NewGuid().ToString("N")[..8]);
        var node = new SingleNodeProcess(directory, Ports.FreeTcpPort(), Ports.FreeTcpPort(), extraArgs, security);
        node.StartProcess();
        return node;
    }

    /// <summary>Starts a new incarnation on the same address and data directory, after <see cref="KillAsync"/>.</summary>
    public void Restart()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("the node still runs: kill it first");
        }

        StartProcess();
    }

    private void StartProcess()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            "exec", RepoPaths.NodeDll, "node", .. _security.Arguments, "--host", "127.0.0.1", "--port", Invariant(_port),
            "--http-port", Invariant(HttpPort), "--data-dir", _directory,
        ];
        foreach (var a in arguments.Concat(_extraArgs))
        {
            info.ArgumentList.Add(a);
        }

        _process?.Dispose();
        var process = _process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node");
        _cleanup ??= ChildProcesses.Register(Kill);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>GET <paramref name="path"/>: status and body, or null while the node does not listen yet.</summary>
    public async Task<(int Status, string Body)?> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(BaseUri, path));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200, within <paramref name="timeout"/>; fails at once if the node exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        (int Status, string Body)? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync("readyz");
            if (last is { Status: 200 })
            {
                return;
            }

            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"the node exited with {exited.ExitCode}:\n{Output}");
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the node was not ready within {timeout}: {last}\n{Output}");
    }

    /// <summary>kill -9: no leave, no hand-over, nothing flushed beyond what is durable.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    private void Kill() => ChildProcesses.KillTree(_process);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _cleanup?.Forget();
        _process?.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
