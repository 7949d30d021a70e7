using System.Diagnostics;
using System.Text;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>A real <c>paymentactors node</c> process on embedded SQLite (unless told otherwise), its output kept in memory.</summary>
public sealed class SingleNodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private SingleNodeProcess(Process process, string directory, int httpPort)
    {
        _process = process;
        _directory = directory;
        HttpPort = httpPort;
        BaseUri = new Uri($"http://127.0.0.1:{httpPort}/");
    }

    public int HttpPort { get; }
    public Uri BaseUri { get; }

    /// <summary>The node's process id (for /proc/PID/status) and its data directory (the SQLite files).</summary>
    public int ProcessId => _process.Id;

    public string DataDirectory => _directory;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(1) };

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

    public static SingleNodeProcess Start(params string[] extraArgs)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pa-obs-" + Guid.NewGuid().ToString("N")[..8]);
        var httpPort = RepoPaths.FreeTcpPort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var port = RepoPaths.FreeTcpPort().ToString();
        foreach (var a in new[] { "exec", RepoPaths.NodeDll, "node", "--insecure", "--host", "127.0.0.1", "--port", port, "--http-port", httpPort.ToString(), "--data-dir", directory }
                     .Concat(extraArgs))
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start a node");
        var node = new SingleNodeProcess(process, directory, httpPort);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
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

    /// <summary>Polls <c>/readyz</c> until it answers 200, within <paramref name="timeout"/>.</summary>
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

            Assert.False(_process.HasExited, "the node exited: " + Output);
            await Task.Delay(250);
        }

        Assert.Fail($"the node was not ready within {timeout}: {last}\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
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
}
