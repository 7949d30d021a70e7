using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace PaymentActors.Cluster.Accounts;

/// <summary>
/// The accounts' mailbox: unbounded and deque-based (a persistent actor's stash needs <c>EnqueueFirst</c>) like Akka's
/// default for them, but a locked ring buffer created on the first message instead of a concurrent queue whose first
/// 32-slot segment (≈0.9 KB) every idle account would otherwise keep. Configured as <see cref="ConfigPath"/> in
/// <c>cluster-config/base.hocon</c>.
/// </summary>
public sealed class AccountMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<AccountMessageQueue>
{
    public const string ConfigPath = "payments.account-mailbox";

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new AccountMessageQueue();
}

/// <summary>
/// A ring buffer of envelopes behind a lock: enqueued by any thread, dequeued (and prepended, by an unstash) by the actor's.
/// Starts empty, grows by doubling, and gives back a large buffer once drained so an idle account holds at most a small one.
/// </summary>
public sealed class AccountMessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    private const int InitialCapacity = 4;
    private const int KeepWhenDrained = 16;

    private readonly Lock _lock = new();
    private Envelope[]? _items;
    private int _head;
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_lock)
        {
            var items = EnsureRoom();
            items[(_head + _count) % items.Length] = envelope;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public void EnqueueFirst(Envelope envelope)
    {
        lock (_lock)
        {
            var items = EnsureRoom();
            _head = (_head - 1 + items.Length) % items.Length;
            items[_head] = envelope;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                envelope = default;
                return false;
            }

            var items = _items!;
            envelope = items[_head];
            items[_head] = default;
            _head = (_head + 1) % items.Length;
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0)
            {
                _head = 0;
                if (items.Length > KeepWhenDrained)
                {
                    _items = null; // a burst's buffer is not kept by an account that goes idle
                }
            }

            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }

    private Envelope[] EnsureRoom()
    {
        var items = _items;
        if (items is null)
        {
            return _items = new Envelope[InitialCapacity];
        }

        if (_count < items.Length)
        {
            return items;
        }

        var grown = new Envelope[items.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = items[(_head + i) % items.Length];
        }

        _head = 0;
        return _items = grown;
    }
}
