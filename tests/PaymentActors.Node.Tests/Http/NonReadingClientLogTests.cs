using System.Net;
using System.Net.Sockets;
using System.Text;
using PaymentActors.Testing;

namespace PaymentActors.Node.Tests.Http;

/// <summary>
/// A client that sends without ever reading its answers is cut (HostileClientTests), and the cut is an expected,
/// handled condition: one warning naming the client, no error in the node's log.
/// </summary>
public sealed class NonReadingClientLogTests
{
    [Fact]
    public async Task Cutting_a_client_that_never_reads_logs_one_warning_and_no_error()
    {
        await using var node = SingleNodeProcess.Start();
        await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4_096 };
        await socket.ConnectAsync(IPAddress.Loopback, node.HttpPort);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "POST /transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"));

        // Records as fast as the node takes them, answers never read, until the node cuts the connection.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        try
        {
            for (var chunk = 0; DateTime.UtcNow < deadline; chunk++)
            {
                var text = string.Concat(Enumerable.Range(0, 100).Select(i =>
                    $$"""{"id":"nr-{{chunk}}-{{i}}","account":"NR{{i % 10}}","type":"CASH_IN","amount":"1.00","currency":"EUR"}""" + "\n"));
                await socket.SendAsync(Encoding.ASCII.GetBytes($"{Encoding.ASCII.GetByteCount(text):x}\r\n{text}\r\n"));
            }
        }
        catch (SocketException)
        {
            // cut by the node
        }

        Assert.True(DateTime.UtcNow < deadline, "the node never cut a client that did not read for 2 minutes");
        var warned = DateTime.UtcNow.AddSeconds(30);
        // Cut by the node for not reading its answers within 10 s, or first by the web server for reading too slowly.
        while (!node.Output.Contains("Ingest request from http:", StringComparison.Ordinal) || !node.Output.Contains(" cut: ", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < warned, "no warning for the cut: " + node.Output);
            await Task.Delay(100);
        }

        Assert.DoesNotContain(" fail: ", node.Output);
    }
}
