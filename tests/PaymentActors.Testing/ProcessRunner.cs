using System.Diagnostics;
using System.Text;

namespace PaymentActors.Testing;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

public static class ProcessRunner
{
    /// <summary>Runs the <c>paymentactors</c> executable built beside the tests, against an insecure cluster (<c>PAYMENTS_INSECURE=true</c>).</summary>
    public static Task<ProcessResult> Cli(params string[] args) => CliWithin(TimeSpan.FromMinutes(1), args);

    /// <summary><see cref="Cli"/> for a verb that may take longer than a minute (a replay of the whole PaySim sample).</summary>
    public static Task<ProcessResult> CliWithin(TimeSpan timeout, params string[] args) =>
        RunAsync("dotnet", ["exec", RepoPaths.NodeDll, .. args], timeout, environment: new Dictionary<string, string> { ["PAYMENTS_INSECURE"] = "true" });

    /// <summary>Runs the executable with exactly the flags given (no security defaults).</summary>
    public static Task<ProcessResult> CliAsIs(params string[] args) =>
        RunAsync("dotnet", ["exec", RepoPaths.NodeDll, .. args], TimeSpan.FromMinutes(1));

    /// <summary>Runs a command to completion (bounded by <paramref name="timeout"/>) and captures its output.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
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

        process.WaitForExit(); // flush the async readers
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
