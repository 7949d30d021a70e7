namespace PaymentActors.Testing;

/// <summary>Files of the repository checkout, found above the running binaries (tests or benchmark).</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
        Path.GetDirectoryName(FindAbove("PaymentActors.sln"))
        ?? throw new InvalidOperationException($"PaymentActors.sln not found above {AppContext.BaseDirectory}"));

    /// <summary>The repository root: the first parent of the running binaries holding PaymentActors.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The node executable built beside the tests or the benchmark (a project reference copies it there).</summary>
    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "paymentactors.dll");

    /// <summary>The first parent of the running binaries that holds <paramref name="relativePath"/> (e.g. <c>scripts/pg-up.sh</c>), or null.</summary>
    public static string? FindAbove(string relativePath)
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

    /// <summary>Same as <see cref="Ports.FreeTcpPort"/>; kept because the process tests call it by this name.</summary>
    public static int FreeTcpPort() => Ports.FreeTcpPort();
}
