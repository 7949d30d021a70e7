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

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port free now and never handed out before in this run: the OS may offer a just-released port
    /// again, and two nodes (or a node's remoting and HTTP) given the same one fail to start.</summary>
    public static int FreeTcpPort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                listener.Start();
                var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
