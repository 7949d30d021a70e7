using Akka.Actor;
using PaymentActors.Cluster.Accounts;

namespace PaymentActors.Cluster.Tests.Accounts;

/// <summary>The accounts' ring-buffer mailbox queue: order kept across growth, wrap-around and prepends.</summary>
public sealed class AccountMailboxTests
{
    private static Envelope E(int i) => new(i, ActorRefs.NoSender);

    private static List<int> Drain(AccountMessageQueue queue)
    {
        var drained = new List<int>();
        while (queue.TryDequeue(out var e))
        {
            drained.Add((int)e.Message);
        }

        return drained;
    }

    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_across_growth_and_wrap_around()
    {
        var queue = new AccountMessageQueue();
        Assert.False(queue.HasMessages);
        Assert.False(queue.TryDequeue(out _));

        var expected = new List<int>();
        var next = 0;
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 3 + round * 7; i++)
            {
                queue.Enqueue(ActorRefs.Nobody, E(next));
                expected.Add(next++);
            }

            for (var i = 0; i < 2 && queue.TryDequeue(out var e); i++)
            {
                Assert.Equal(expected[0], (int)e.Message);
                expected.RemoveAt(0);
            }

            Assert.Equal(expected.Count, queue.Count);
        }

        Assert.Equal(expected, Drain(queue));
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Prepended_messages_come_first_the_last_prepended_first_as_an_unstash_expects()
    {
        var queue = new AccountMessageQueue();
        for (var i = 0; i < 3; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, E(i));
        }

        Assert.True(queue.TryDequeue(out _)); // 0 out: the head is mid-buffer
        for (var i = 12; i >= 10; i--)
        {
            queue.EnqueueFirst(E(i)); // an unstash prepends in reverse
        }

        queue.Enqueue(ActorRefs.Nobody, E(3));
        Assert.Equal([10, 11, 12, 1, 2, 3], Drain(queue));

        queue.EnqueueFirst(E(7)); // into an empty queue
        Assert.Equal([7], Drain(queue));
    }

    [Fact]
    public void Clean_up_hands_what_is_left_to_dead_letters()
    {
        var queue = new AccountMessageQueue();
        var deadLetters = new AccountMessageQueue();
        for (var i = 0; i < 20; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, E(i));
        }

        queue.CleanUp(ActorRefs.Nobody, deadLetters);
        Assert.False(queue.HasMessages);
        Assert.Equal(Enumerable.Range(0, 20), Drain(deadLetters));
    }
}
