using System.Diagnostics;

namespace PaymentActors.Node.Tests.Cli;

/// <summary>The replay-windows verb through the real executable: stdin in, stdout out, exit codes.</summary>
public sealed class ReplayWindowsVerbTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string input, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "exec", RepoPaths.NodeDll, "replay-windows" }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Tumbling_windows_fire_on_the_watermark_and_late_events_go_to_the_late_output()
    {
        const string input = """
            {"key":"k1","value":1,"ts":1000}
            {"key":"k1","value":2,"ts":2999}
            {"key":"k2","value":5,"ts":500}
            {"watermark":2999}
            {"key":"k1","value":7,"ts":100}
            {"restore":true}
            {"key":"k1","value":3,"ts":3000}
            {"watermark":5999}
            """;
        var (exit, output, error) = await RunAsync(input, "--window", "tumbling:3000", "--late-output");
        Assert.True(exit == 0, error);
        Assert.Equal(
            [
                """{"key":"k1","start":0,"end":3000,"sum":3,"count":2}""",
                """{"key":"k2","start":0,"end":3000,"sum":5,"count":1}""",
                """{"watermark":2999}""",
                """{"late":{"key":"k1","value":7,"ts":100}}""",
                """{"key":"k1","start":3000,"end":6000,"sum":3,"count":1}""",
                """{"watermark":5999}""",
                """{"lateDropped":0}""",
            ],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_watermark_going_backwards_is_exit_2_with_the_line_named()
    {
        var (exit, _, error) = await RunAsync("{\"watermark\":10}\n{\"watermark\":5}\n", "--window", "tumbling:10");
        Assert.Equal(2, exit);
        Assert.Contains("line 2", error);
    }
}
