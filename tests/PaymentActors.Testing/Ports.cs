using System.Net;
using System.Net.Sockets;

namespace PaymentActors.Testing;

public static class Ports
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port on 127.0.0.1 free now and never handed out before in this run: the OS may offer a
    /// just-released port again, and two nodes (or a node's remoting and HTTP) given the same one fail to start.</summary>
    public static int FreeTcpPort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
