namespace PaymentActors.Bench.Harness;

/// <summary>Where scenarios keep their throwaway files.</summary>
public static class BenchPaths
{
    public static string WorkDirectory => Path.Combine(Path.GetTempPath(), "paymentactors-bench");

    /// <summary>A fresh directory name under <see cref="WorkDirectory"/> (created by whoever writes into it).</summary>
    public static string NewRunDirectory() => Path.Combine(WorkDirectory, Guid.NewGuid().ToString("N"));

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
