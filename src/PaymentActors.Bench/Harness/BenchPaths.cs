namespace PaymentActors.Bench.Harness;

/// <summary>Where scenarios keep their throwaway files, and the repository files they need.</summary>
public static class BenchPaths
{
    public static string WorkDirectory => Path.Combine(Path.GetTempPath(), "paymentactors-bench");

    /// <summary>A fresh directory name under <see cref="WorkDirectory"/> (created by whoever writes into it).</summary>
    public static string NewRunDirectory() => Path.Combine(WorkDirectory, Guid.NewGuid().ToString("N"));

    /// <summary>A file of the repository (e.g. <c>scripts/pg-up.sh</c>), looked up above the benchmark binaries.</summary>
    public static string? FindInRepository(string relativePath)
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

    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: a temp directory
        }
    }
}
