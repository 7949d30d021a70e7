using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Http;

/// <summary>
/// POST /transactions against clients that do not behave: they never read, send everything before reading, send more
/// than the maximum, or send something that is not NDJSON. Raw sockets on loopback against a real node (SQLite).
/// </summary>
public sealed class HostileClientTests : IAsyncLifetime
{
    private const int MaxBufferedBody = 4_000_000;
    private const int MaxStreamedBody = 1_000_000;
    private SingleNodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _node = SingleNodeProcess.Start("--max-ingest-requests", "4", "--max-ingest-body-bytes", MaxBufferedBody.ToString(), "--max-ingest-stream-bytes", MaxStreamedBody.ToString());
        await _node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private static string Record(string id, string account, string timestamp = "2026-01-01T00:00:00Z") =>
        $$"""{"id":"{{id}}","account":"{{account}}","type":"CASH_IN","amount":"1.00","currency":"EUR","timestamp":"{{timestamp}}"}""" + "\n";

    private async Task<long> BalanceAsync(string account)
    {
        var view = JsonDocument.Parse(await _node.Http.GetStringAsync($"http://127.0.0.1:{_node.HttpPort}/accounts/{account}")).RootElement;
        return view.GetProperty("balanceMinor").GetInt64();
    }

    private async Task<Socket> ConnectAsync(int receiveBuffer = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0)
        {
            socket.ReceiveBufferSize = receiveBuffer; // before connecting: the window the server may fill
        }

        await socket.ConnectAsync(IPAddress.Loopback, _node.HttpPort);
        return socket;
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var all = new MemoryStream();
        var buffer = new byte[1 << 16];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                all.Write(buffer, 0, n);
            }
        }
        catch (SocketException)
        {
            // reset after the answer: what arrived is what counts
        }

        return all.ToArray();
    }

    /// <summary>The first 12 bytes of the response (protocol and status), without taking them off the socket.</summary>
    private static async Task<string> PeekStatusLineAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[12];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.Peek, cts.Token);
            if (n == 0 || n == buffer.Length)
            {
                return Encoding.ASCII.GetString(buffer, 0, n);
            }

            await Task.Delay(20, cts.Token); // fewer than 12 bytes so far
        }
    }

    /// <summary>Status code and body of a raw HTTP/1.1 response, de-chunked when chunked.</summary>
    private static (int Status, string Body) ParseResponse(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headerEnd > 0, $"no HTTP response: '{text[..Math.Min(200, text.Length)]}'");
        var head = text[..headerEnd];
        var status = int.Parse(head.Split(' ', 3)[1]);
        var body = text[(headerEnd + 4)..];
        if (!head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return (status, body);
        }

        var result = new StringBuilder();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                break;
            }

            var size = Convert.ToInt32(body[position..lineEnd], 16);
            if (size == 0)
            {
                break;
            }

            // Sizes count bytes; the bodies here are ASCII, so bytes and chars agree.
            result.Append(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            position = lineEnd + 2 + size + 2;
        }

        return (status, result.ToString());
    }

    /// <summary>Applied: approved, or approved with a risk flag (the default velocity rule flags these bursts).</summary>
    private static int Applied(IEnumerable<JsonElement> lines) =>
        lines.Count(l => l.TryGetProperty("status", out var s) && s.GetString() is "Approved" or "Flagged");

    private static List<JsonElement> Lines(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task Not_ndjson_is_415_a_body_over_the_maximum_is_413_with_nothing_applied_and_records_dated_9999_or_beyond_the_retention_are_rejected()
    {
        var csv = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions", new StringContent("a,b\n1,2\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, csv.StatusCode);
        Assert.Contains("Content-Type", await csv.Content.ReadAsStringAsync());

        // The header announces more than the maximum: refused before a byte of the body is read.
        using (var socket = await ConnectAsync())
        {
            var first = Record("big-1", "BIG1");
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"POST /transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: {MaxBufferedBody + 1}\r\nConnection: close\r\n\r\n{first}"));
            var (status, body) = ParseResponse(await ReadToEndAsync(socket, TimeSpan.FromSeconds(30)));
            Assert.Equal(413, status);
            Assert.Contains("nothing was read or applied", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(0, await BalanceAsync("BIG1"));

        var future = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions",
            new StringContent(Record("y9999", "FUT1", "9999-12-31T23:59:59Z") + Record("ok-now", "FUT1"), Encoding.UTF8, "application/x-ndjson"));
        var lines = Lines(await future.Content.ReadAsStringAsync());
        var rejected = lines.Single(l => l.TryGetProperty("line", out var n) && n.GetInt64() == 1);
        Assert.Equal("Rejected", rejected.GetProperty("status").GetString());
        Assert.Equal("timestamp", rejected.GetProperty("field").GetString());
        Assert.Equal(100, await BalanceAsync("FUT1"));

        // Once the window stage has seen ok-now (2026-01-01, a moment after its answer), a record more than 35 days
        // older is refused the same way: field timestamp, nothing applied.
        var deadline = Stopwatch.StartNew();
        JsonElement old;
        var applied = 0;
        while (true)
        {
            var answer = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions",
                new StringContent(Record($"old-{deadline.ElapsedTicks}", "OLD1", "2025-11-26T23:59:59Z"), Encoding.UTF8, "application/x-ndjson"));
            old = Lines(await answer.Content.ReadAsStringAsync()).First(l => l.TryGetProperty("line", out _));
            if (old.GetProperty("status").GetString() == "Rejected" || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            applied++;
            await Task.Delay(200);
        }

        Assert.Equal("Rejected", old.GetProperty("status").GetString());
        Assert.Equal("timestamp", old.GetProperty("field").GetString());
        Assert.Contains("older than the windows' retention", old.GetProperty("reason").GetString());
        Assert.Equal(100 * applied, await BalanceAsync("OLD1"));
    }

    [Fact]
    public async Task A_client_that_sends_its_whole_body_before_reading_gets_every_answer()
    {
        // 20,000 answers (≈ 2 MB) are more than the socket buffers hold: a server that answered while still reading
        // the body would block on a client that is not reading yet, and the client on a server no longer reading.
        const int count = 20_000;
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append(Record($"str-{i}", $"STR{i % 500}"));
        }

        var bytes = Encoding.ASCII.GetBytes(body.ToString());
        Assert.True(bytes.Length < MaxBufferedBody);
        using var socket = await ConnectAsync(receiveBuffer: 8_192);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"));
        using (var sendDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await socket.SendAsync(bytes, SocketFlags.None, sendDeadline.Token); // all of it before reading anything
        }

        var (status, answer) = ParseResponse(await ReadToEndAsync(socket, TimeSpan.FromMinutes(3)));
        Assert.Equal(200, status);
        var lines = Lines(answer);
        Assert.Equal(count, Applied(lines));
        Assert.Equal(count, lines[^1].GetProperty("summary").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task A_chunked_body_over_the_maximum_is_cut_with_an_error_line_and_every_applied_record_is_answered()
    {
        using var socket = await ConnectAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            "POST /transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
        var sender = Task.Run(async () =>
        {
            // Twice the maximum, in chunks of 100 records; the server stops reading at the maximum.
            try
            {
                for (var chunk = 0; chunk * 100 * 110 < 2 * MaxStreamedBody; chunk++)
                {
                    var text = string.Concat(Enumerable.Range(0, 100).Select(i => Record($"chk-{chunk}-{i}", "CHK1")));
                    await socket.SendAsync(Encoding.ASCII.GetBytes($"{Encoding.ASCII.GetByteCount(text):x}\r\n{text}\r\n"));
                }

                await socket.SendAsync("0\r\n\r\n"u8.ToArray());
            }
            catch (SocketException)
            {
                // the server closed the connection after its answer
            }
        });
        var (status, answer) = ParseResponse(await ReadToEndAsync(socket, TimeSpan.FromMinutes(3)));
        Assert.Equal(200, status);
        var lines = Lines(answer);
        var approved = Applied(lines);
        var error = lines.Single(l => l.TryGetProperty("error", out _));
        Assert.Contains("over the maximum", error.GetProperty("error").GetString());
        Assert.True(approved > 1_000, $"only {approved} answered before the cut");
        Assert.Equal(approved * 100L, await BalanceAsync("CHK1")); // applied = answered: nothing applied without an answer
        socket.Close();
        await sender;
    }

    [Fact]
    public async Task Four_clients_that_never_read_cannot_keep_a_fifth_out_for_more_than_30_s()
    {
        var hogs = new List<(Socket Socket, Task Sender)>();
        for (var c = 0; c < 4; c++)
        {
            var socket = await ConnectAsync(receiveBuffer: 4_096);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "POST /transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"));
            var client = c;
            var sender = Task.Run(async () =>
            {
                try
                {
                    // Counted in bytes, and kept under the node's stream limit: a body over it ends the request (answered, with
                    // an error line), which frees the slot when the answers happen to fit the socket buffers.
                    long sent = 0;
                    for (var chunk = 0; ; chunk++)
                    {
                        var text = string.Concat(Enumerable.Range(0, 100).Select(i => Record($"hog{client}-{chunk}-{i}", $"HOG{client}")));
                        sent += Encoding.ASCII.GetByteCount(text);
                        if (sent > MaxStreamedBody - 20_000)
                        {
                            break;
                        }

                        await socket.SendAsync(Encoding.ASCII.GetBytes($"{Encoding.ASCII.GetByteCount(text):x}\r\n{text}\r\n"));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // cut by the server
                }
            });
            hogs.Add((socket, sender));
            // One at a time, so that no probe below can race a hog for its slot: this hog holds one once its answer
            // has started with 200 (peeked, so the socket's receive window stays as full as a non-reader leaves it).
            Assert.Equal("HTTP/1.1 200", await PeekStatusLineAsync(socket, TimeSpan.FromSeconds(30)));
        }

        // Once the four hold every slot (the node allows 4), a fifth request is refused with 429...
        var waitForHogs = Stopwatch.StartNew();
        var probe = 0;
        while ((await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions",
                   new StringContent(Record($"probe-{probe++}", "PROBE"), Encoding.UTF8, "application/x-ndjson"))).StatusCode != HttpStatusCode.TooManyRequests)
        {
            Assert.True(waitForHogs.Elapsed < TimeSpan.FromSeconds(30), "the four non-reading clients never held the slots; the test proves nothing. Node: "
                + _node.Output[Math.Max(0, _node.Output.Length - 4000)..]);
            await Task.Delay(100);
        }

        // ...but for no more than 30 s: the non-readers are cut and their slots freed.
        var started = Stopwatch.StartNew();
        HttpResponseMessage? response = null;
        while (started.Elapsed < TimeSpan.FromSeconds(60))
        {
            response = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions",
                new StringContent(Record("fifth-1", "FIFTH"), Encoding.UTF8, "application/x-ndjson"));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.OK, response!.StatusCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the fifth client waited {started.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("\"Approved\"", await response.Content.ReadAsStringAsync());
        // What the non-readers sent and had answered or not: nothing of theirs is stuck in the node (each hog's account
        // has only what was delivered before it was cut; the node serves on).
        foreach (var (socket, sender) in hogs)
        {
            socket.Dispose();
            await sender;
        }
    }
}
