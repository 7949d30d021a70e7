using System.Text.RegularExpressions;

namespace PaymentActors.Node.Tests.Cli;

/// <summary>The demo's human summary (counts, hourly and sliding window tables, alerts) fits an 80-column terminal.</summary>
public sealed partial class DemoTableWidthTests
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")]
    private static partial Regex LogLine();

    [Fact]
    public async Task The_demo_summary_of_the_PaySim_sample_fits_80_columns()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pa-width-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var demo = await ProcessRunner.CliWithin(TimeSpan.FromMinutes(5), "demo", "--file", Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv"),
                "--no-progress", "--db", "memory", "--log-level", "error", "--data-dir", dataDir);
            Assert.True(demo.ExitCode == 0, demo.Stdout + demo.Stderr);
            // The summary, not the node's log lines (a timestamp first) that share stdout.
            var lines = demo.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => !LogLine().IsMatch(l)).ToList();
            Assert.Contains(lines, l => l.Contains("hourly windows by type", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("sliding 6 h / 1 h windows", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("CASH_OUT", StringComparison.Ordinal)); // a row of the hourly table
            var wide = lines.Where(l => l.Length > 80).ToList();
            Assert.True(wide.Count == 0, "lines wider than 80 columns:\n" + string.Join("\n", wide));
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, true);
            }
        }
    }
}
