namespace PaymentActors.Node.Tests.Harness;

public static class RepoPaths
{
    /// <summary>The repository root: the first parent of the test binaries holding PaymentActors.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The node executable built beside the tests (a project reference copies it here).</summary>
    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "paymentactors.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentActors.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PaymentActors.sln not found above the test binaries");
    }

    public static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
