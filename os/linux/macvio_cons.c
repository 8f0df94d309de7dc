// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * macvio_cons.c - virtio-console on the portable core (core/vio_cons.c):
 * each port a tty (/dev/mvportN, N = instance * VIO_CONS_MAX_PORTS + port
 * id; sysfs: name, host_open), a console port also a kernel console
 * ("mvcon", console=mvcon<N>) that writes through the port's queue and,
 * when that cannot be used (panic, a held lock, a stuck ring), through the
 * emergency write (EMERG_WRITE, §5.3.4), which needs no queue at all.
 *
 * Contexts: control (ports added/removed/named/opened) and data (RX into
 * the tty, TX reclaim and wake-up) run as work items on one ordered
 * workqueue, so the core's per-port RX side and its control processing
 * never run at once; TX (tty write, kernel console) takes tx_lock.
 */
#include <linux/console.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>

#include "macvio.h"
#include "vio_cons.h"
#include "vio_log.h"

#define MACVIO_CONS_MAX_DEVS 4
#define MACVIO_CONS_LINES    (MACVIO_CONS_MAX_DEVS * VIO_CONS_MAX_PORTS)

static char *cons_irq = "auto";
module_param(cons_irq, charp, 0444);
MODULE_PARM_DESC(cons_irq, "console interrupts: auto (MSI-X, else INTx) or intx");

struct macvio_cons;

struct macvio_vport {
	struct macvio_cons *mc;
	u32 id;
	struct tty_port tport;
	struct device *tdev; /* the tty device while the port exists */
};

struct macvio_cons {
	struct vio_cons cons;
	struct macvio_fn fn;
	int inst;	   /* device instance: tty lines inst * VIO_CONS_MAX_PORTS .. */
	struct mutex lock; /* control: ctrl processing, PORT_OPEN, tty devices */
	spinlock_t tx_lock;
	struct workqueue_struct *wq;
	struct work_struct ctrl_work, data_work;
	struct delayed_work retry_work; /* RX again once the tty can take more */
	u8 rx_buf[VIO_CONS_BUF];	/* data_work's copy-out buffer */
	bool removing;			/* under tx_lock and lock: going away, or suspended */
	bool attached;			/* the core is set up: the interrupt handler may use it */
	refcount_t refs;		/* one per tty_port: mc lives until the last tty let go */
	bool stall; /* test (debugfs): the rings count as stuck, console output only by emergency write */
	enum vio_irq_mode irq_mode;
	int nvec;
	struct macvio_irq_c {
		struct macvio_cons *mc;
		u16 vector;
	} irqs[2];
	int nirqs;
	struct macvio_vport ports[VIO_CONS_MAX_PORTS];
	struct console kcons;
	bool kcons_on;
	u32 kcons_port;
	u64 kcons_emerg;      /* bytes the kernel console sent by emergency write */
	u64 irqs_seen;	      /* interrupts that were ours */
	u64 resumes;	      /* wakes the engine was set up anew for (debugfs) */
	atomic_t emerg_users; /* kernel console writers inside the emergency write */
	struct dentry *dir;
};

static struct tty_driver *mv_tty;
static DEFINE_MUTEX(mv_devs_lock);
static struct macvio_cons *mv_devs[MACVIO_CONS_MAX_DEVS];

/* ---- data ---- */

static struct macvio_vport *vport_of_tty(struct tty_struct *tty)
{
	return container_of(tty->port, struct macvio_vport, tport);
}

/* One port's received bytes into its tty, no more than the tty buffers
 * take (what does not fit stays in the ring: the device waits, nothing is
 * dropped); false when the tty was full. */
static bool port_rx(struct macvio_cons *mc, struct macvio_vport *vp)
{
	int room, n;

	while (vio_cons_rx_pending(&mc->cons, vp->id)) {
		room = tty_buffer_request_room(&vp->tport, sizeof(mc->rx_buf));
		if (room <= 0)
			return false;
		n = vio_cons_read(&mc->cons, vp->id, mc->rx_buf, room);
		if (n <= 0)
			break;
		tty_insert_flip_string(&vp->tport, mc->rx_buf, n);
		tty_flip_buffer_push(&vp->tport);
	}
	return true;
}

/* RX of every existing port into its tty; TX reclaim and wake-up. */
static void data_work(struct work_struct *w)
{
	struct macvio_cons *mc = container_of(w, struct macvio_cons, data_work);
	unsigned long flags;
	bool all = true;
	u32 id;
	int n;

	/* suspended (or going): the engine may be rebuilt under us (resume) */
	if (READ_ONCE(mc->removing) || !smp_load_acquire(&mc->attached))
		return;
	for (id = 0; id < mc->cons.nports; id++) {
		struct macvio_vport *vp = &mc->ports[id];

		if (!vp->tdev || !tty_port_initialized(&vp->tport))
			continue; /* not open: the host's data waits in the device */
		spin_lock_irqsave(&mc->tx_lock, flags);
		n = READ_ONCE(mc->stall) ? 0 : vio_cons_tx_reclaim(&mc->cons, id);
		spin_unlock_irqrestore(&mc->tx_lock, flags);
		if (n > 0)
			tty_port_tty_wakeup(&vp->tport);
		all &= port_rx(mc, vp);
	}
	if (!all && !mc->removing) /* a reader behind: look again soon */
		mod_delayed_work(mc->wq, &mc->retry_work, msecs_to_jiffies(10));
}

static void retry_work(struct work_struct *w)
{
	struct macvio_cons *mc = container_of(to_delayed_work(w), struct macvio_cons, retry_work);

	data_work(&mc->data_work);
}

/* the line discipline made room again */
static void mv_unthrottle(struct tty_struct *tty)
{
	struct macvio_vport *vp = vport_of_tty(tty);

	queue_work(vp->mc->wq, &vp->mc->data_work);
}

static int port_write(struct macvio_cons *mc, u32 id, const u8 *buf, int count)
{
	unsigned long flags;
	int n;

	spin_lock_irqsave(&mc->tx_lock, flags);
	if (mc->removing)
		n = VIO_EBROKEN;
	else
		n = READ_ONCE(mc->stall) ? 0 : vio_cons_write(&mc->cons, id, buf, count);
	spin_unlock_irqrestore(&mc->tx_lock, flags);
	return n < 0 ? -EIO : n;
}

static int mv_write(struct tty_struct *tty, const u8 *buf, int count)
{
	struct macvio_vport *vp = vport_of_tty(tty);

	return port_write(vp->mc, vp->id, buf, count);
}

static unsigned int mv_write_room(struct tty_struct *tty)
{
	struct macvio_vport *vp = vport_of_tty(tty);
	struct macvio_cons *mc = vp->mc;
	unsigned long flags;
	unsigned int room;

	spin_lock_irqsave(&mc->tx_lock, flags);
	room = 0;
	if (!mc->removing && !READ_ONCE(mc->stall)) {
		vio_cons_tx_reclaim(&mc->cons, vp->id);
		room = vio_cons_write_room(&mc->cons, vp->id);
	}
	spin_unlock_irqrestore(&mc->tx_lock, flags);
	return room;
}

static int mv_install(struct tty_driver *drv, struct tty_struct *tty)
{
	struct macvio_cons *mc;
	u32 inst = tty->index / VIO_CONS_MAX_PORTS, id = tty->index % VIO_CONS_MAX_PORTS;

	int err = -ENODEV;

	/* under the lock: remove takes the device out of mv_devs first, and
	 * tty_port_install takes the port's reference that keeps mc alive */
	mutex_lock(&mv_devs_lock);
	mc = inst < MACVIO_CONS_MAX_DEVS ? mv_devs[inst] : NULL;
	if (mc && mc->ports[id].tdev)
		err = tty_port_install(&mc->ports[id].tport, drv, tty);
	mutex_unlock(&mv_devs_lock);
	return err;
}

static int mv_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(tty->port, tty, filp);
}

static void mv_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(tty->port, tty, filp);
}

static void mv_hangup(struct tty_struct *tty)
{
	tty_port_hangup(tty->port);
}

static const struct tty_operations mv_tty_ops = {
    .install = mv_install,
    .open = mv_open,
    .close = mv_close,
    .write = mv_write,
    .write_room = mv_write_room,
    .hangup = mv_hangup,
    .unthrottle = mv_unthrottle,
};

/* PORT_OPEN to the device as the guest opens and closes the port: QEMU
 * delivers host data only to a port the guest opened (and tells the host
 * through QMP's VSERPORT_CHANGE). */
static int vport_activate(struct tty_port *tport, struct tty_struct *tty)
{
	struct macvio_vport *vp = container_of(tport, struct macvio_vport, tport);
	int err;

	mutex_lock(&vp->mc->lock);
	err = vp->mc->removing ? VIO_ENOTSUP : vio_cons_port_open(&vp->mc->cons, vp->id, true);
	mutex_unlock(&vp->mc->lock);
	if (!err)
		queue_work(vp->mc->wq, &vp->mc->data_work); /* what waited for the open */
	return err ? -EIO : 0;
}

static void vport_shutdown(struct tty_port *tport)
{
	struct macvio_vport *vp = container_of(tport, struct macvio_vport, tport);

	int err = 0;

	mutex_lock(&vp->mc->lock);
	/* a console port stays open for the kernel console */
	if (!vp->mc->removing && !vp->mc->cons.ports[vp->id].console)
		err = vio_cons_port_open(&vp->mc->cons, vp->id, false);
	mutex_unlock(&vp->mc->lock);
	if (err)
		dev_warn(&vp->mc->fn.pdev->dev, "port %u: closing: %s\n", vp->id, vio_strerror(err));
}

static void vport_destruct(struct tty_port *tport);

static const struct tty_port_operations vport_ops = {
    .activate = vport_activate,
    .shutdown = vport_shutdown,
    .destruct = vport_destruct,
};

/* ---- sysfs: the port's name and the host side's state ---- */

static ssize_t name_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct macvio_vport *vp = dev_get_drvdata(dev);

	/* no lock: port removal unregisters this file under mc->lock and
	 * waits for readers; a name being replaced reads as either (bounded) */
	return sysfs_emit(buf, "%.*s\n", VIO_CONS_NAME_MAX, vp->mc->cons.ports[vp->id].name);
}
static DEVICE_ATTR_RO(name);

static ssize_t host_open_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct macvio_vport *vp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(vp->mc->cons.ports[vp->id].host_open));
}
static DEVICE_ATTR_RO(host_open);

static ssize_t console_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct macvio_vport *vp = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(vp->mc->cons.ports[vp->id].console));
}
static DEVICE_ATTR_RO(console);

static struct attribute *vport_attrs[] = {&dev_attr_name.attr, &dev_attr_host_open.attr,
					  &dev_attr_console.attr, NULL};
static const struct attribute_group vport_group = {.attrs = vport_attrs};
static const struct attribute_group *vport_groups[] = {&vport_group, NULL};

/* ---- kernel console ---- */

/* printk's path, any context: the port's queue when its lock is free and
 * the ring has room; else (a panic with the lock held, interrupts off on
 * a stuck ring) the emergency write, byte by byte through config. */
static void kcons_write(struct console *con, const char *s, unsigned int len)
{
	struct macvio_cons *mc = container_of(con, struct macvio_cons, kcons);
	unsigned long flags;
	int n = 0;

	bool locked;

	if (READ_ONCE(mc->stall) || READ_ONCE(mc->removing))
		goto emerg;
	/* an oops may have left the lock held: never wait for it then */
	if (oops_in_progress || in_nmi()) {
		locked = spin_trylock_irqsave(&mc->tx_lock, flags);
	} else {
		spin_lock_irqsave(&mc->tx_lock, flags);
		locked = true;
	}
	if (locked) {
		if (!mc->removing)
			n = vio_cons_write(&mc->cons, mc->kcons_port, s, len);
		spin_unlock_irqrestore(&mc->tx_lock, flags);
	}
	if (n < 0)
		n = 0;
emerg:
	if ((unsigned int)n >= len)
		return;
	/* counted, then attached: a resume rebuilding the engine waits for us */
	atomic_inc(&mc->emerg_users);
	smp_mb__after_atomic();
	if (smp_load_acquire(&mc->attached) && vio_cons_emerg_write(&mc->cons, s + n, len - n) == VIO_OK)
		mc->kcons_emerg += len - n;
	atomic_dec(&mc->emerg_users);
}

static struct tty_driver *kcons_device(struct console *con, int *index)
{
	struct macvio_cons *mc = container_of(con, struct macvio_cons, kcons);

	*index = mc->inst * VIO_CONS_MAX_PORTS + mc->kcons_port;
	return mv_tty;
}

static void kcons_register(struct macvio_cons *mc, u32 id)
{
	if (mc->kcons_on)
		return;
	mc->kcons_port = id;
	strscpy(mc->kcons.name, "mvcon", sizeof(mc->kcons.name));
	mc->kcons.write = kcons_write;
	mc->kcons.device = kcons_device;
	mc->kcons.flags = CON_PRINTBUFFER;
	mc->kcons.index = mc->inst;
	register_console(&mc->kcons);
	mc->kcons_on = true;
	dev_info(&mc->fn.pdev->dev, "port %u: kernel console mvcon%d%s\n", id, mc->inst,
		 (mc->kcons.flags & CON_ENABLED) ? "" : " (not enabled: add console=mvcon<N>)");
}

/* ---- control: ports come and go ---- */

static void vport_add(struct macvio_cons *mc, u32 id)
{
	struct macvio_vport *vp = &mc->ports[id];
	struct device *d;

	if (vp->tdev)
		return;
	d = tty_port_register_device_attr(&vp->tport, mv_tty, mc->inst * VIO_CONS_MAX_PORTS + id,
					  &mc->fn.pdev->dev, vp, vport_groups);
	if (IS_ERR(d)) {
		dev_warn(&mc->fn.pdev->dev, "port %u: tty device: %ld\n", id, PTR_ERR(d));
		return;
	}
	vp->tdev = d;
}

static void vport_remove(struct macvio_cons *mc, u32 id)
{
	struct macvio_vport *vp = &mc->ports[id];

	if (!vp->tdev)
		return;
	tty_port_tty_hangup(&vp->tport, false);
	tty_unregister_device(mv_tty, mc->inst * VIO_CONS_MAX_PORTS + id);
	vp->tdev = NULL;
}

static void ctrl_changes(struct macvio_cons *mc)
{
	u8 ch;
	int id;

	while ((id = vio_cons_next_change(&mc->cons, &ch)) >= 0) {
		struct vio_cons_port *p = &mc->cons.ports[id];

		if (ch & VIO_CONS_CH_REMOVED)
			vport_remove(mc, id);
		if ((ch & VIO_CONS_CH_ADDED) && p->present)
			vport_add(mc, id);
		if ((ch & VIO_CONS_CH_CONSOLE) && p->present)
			kcons_register(mc, id);
		/* the host leaving (PORT_OPEN 0) is shown in sysfs host_open; no
		 * hangup: what it sent before leaving is still to be read */
		if (ch & VIO_CONS_CH_NAME)
			dev_info(&mc->fn.pdev->dev, "port %d: name %s\n", id, p->name);
	}
}

static void ctrl_work(struct work_struct *w)
{
	struct macvio_cons *mc = container_of(w, struct macvio_cons, ctrl_work);

	mutex_lock(&mc->lock);
	if (!mc->removing) {
		vio_cons_config_changed(&mc->cons);
		if (vio_cons_ctrl_process(&mc->cons) < 0)
			dev_err(&mc->fn.pdev->dev, "control queue broken\n");
		ctrl_changes(mc);
	}
	mutex_unlock(&mc->lock);
}

/* ---- interrupts: the core decodes (vio_dev_irq) ---- */

static irqreturn_t cons_irq_handler(int irq, void *data)
{
	struct macvio_irq_c *ri = data;
	struct macvio_cons *mc = ri->mc;
	struct vio_irq_work w;
	u32 id;

	if (!smp_load_acquire(&mc->attached))
		return IRQ_NONE; /* a shared line before attach: not ours to read */
	w = vio_dev_irq(&mc->cons.dev, ri->vector);
	if (!w.ours)
		return IRQ_NONE;
	mc->irqs_seen++;
	if (w.config)
		queue_work(mc->wq, &mc->ctrl_work);
	if (!w.queues)
		return IRQ_HANDLED;
	if (w.queue != VIO_IRQ_ALL_QUEUES && vio_cons_queue_of(&mc->cons, w.queue, &id) == VIO_CONS_Q_CTRL) {
		queue_work(mc->wq, &mc->ctrl_work);
		return IRQ_HANDLED;
	}
	if (w.queue == VIO_IRQ_ALL_QUEUES && mc->cons.multiport)
		queue_work(mc->wq, &mc->ctrl_work);
	queue_work(mc->wq, &mc->data_work);
	return IRQ_HANDLED;
}

/* MSI-X with a config and a queue vector, else the INTx line (shared):
 * vectors first (the core programs them at attach), handlers after. */
static int cons_vectors(struct macvio_cons *mc)
{
	struct pci_dev *pdev = mc->fn.pdev;
	int n = -1;

	if (!sysfs_streq(cons_irq, "intx"))
		n = pci_alloc_irq_vectors(pdev, 2, 2, PCI_IRQ_MSIX);
	mc->irq_mode = n == 2 ? VIO_IRQ_MSIX_SHARED : VIO_IRQ_INTX;
	if (n != 2)
		n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_LEGACY);
	if (n < 0)
		return n;
	mc->nvec = n;
	return 0;
}

static int cons_request_irqs(struct macvio_cons *mc)
{
	struct pci_dev *pdev = mc->fn.pdev;
	int i, err;

	for (i = 0; i < mc->nvec; i++) {
		mc->irqs[i].mc = mc;
		mc->irqs[i].vector = mc->irq_mode == VIO_IRQ_INTX ? VIO_MSI_NO_VECTOR : (u16)i;
		err = request_irq(pci_irq_vector(pdev, i), cons_irq_handler,
				  mc->irq_mode == VIO_IRQ_INTX ? IRQF_SHARED : 0, "macvio-console",
				  &mc->irqs[i]);
		if (err)
			return err;
		mc->nirqs++;
	}
	return 0;
}

static void cons_free_irqs(struct macvio_cons *mc)
{
	struct pci_dev *pdev = mc->fn.pdev;

	while (mc->nirqs > 0) {
		mc->nirqs--;
		free_irq(pci_irq_vector(pdev, mc->nirqs), &mc->irqs[mc->nirqs]);
	}
	if (mc->nvec)
		pci_free_irq_vectors(pdev);
	mc->nvec = 0;
}

/* ---- debugfs: test hooks ---- */

static int stall_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct macvio_cons *)data)->stall);
	return 0;
}

static int stall_set(void *data, u64 val)
{
	WRITE_ONCE(((struct macvio_cons *)data)->stall, val != 0);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(stall_fops, stall_get, stall_set, "%llu\n");

/* ---- probe / remove ---- */

static int cons_slot(struct macvio_cons *mc)
{
	int i;

	mutex_lock(&mv_devs_lock);
	for (i = 0; i < MACVIO_CONS_MAX_DEVS && mv_devs[i]; i++)
		;
	if (i < MACVIO_CONS_MAX_DEVS)
		mv_devs[i] = mc;
	mutex_unlock(&mv_devs_lock);
	return i < MACVIO_CONS_MAX_DEVS ? i : -ENOSPC;
}

static void cons_unslot(struct macvio_cons *mc)
{
	mutex_lock(&mv_devs_lock);
	mv_devs[mc->inst] = NULL;
	mutex_unlock(&mv_devs_lock);
}

/* Everything but the memory of mc (a tty still open keeps it: refs). The
 * device first leaves mv_devs (no new opens), then every tty is hung up
 * synchronously and its device removed, then the device is reset and the
 * core freed; writers meet `removing` under tx_lock. */
static void cons_teardown(struct macvio_cons *mc)
{
	unsigned long flags;
	u32 id;

	cons_unslot(mc);
	mutex_lock(&mc->lock);
	spin_lock_irqsave(&mc->tx_lock, flags);
	mc->removing = true;
	spin_unlock_irqrestore(&mc->tx_lock, flags);
	mutex_unlock(&mc->lock);
	if (mc->kcons_on)
		unregister_console(&mc->kcons);
	for (id = 0; id < VIO_CONS_MAX_PORTS; id++) {
		if (!mc->ports[id].tdev)
			continue;
		tty_port_tty_vhangup(&mc->ports[id].tport);
		vport_remove(mc, id);
	}
	vio_cons_stop(&mc->cons); /* no DMA, no more interrupts from the device */
	cons_free_irqs(mc);
	cancel_work_sync(&mc->ctrl_work);
	cancel_work_sync(&mc->data_work);
	cancel_delayed_work_sync(&mc->retry_work);
	if (mc->attached)
		vio_cons_destroy(&mc->cons);
	mc->attached = false;
	if (mc->wq)
		destroy_workqueue(mc->wq);
	mc->wq = NULL;
	macvio_unmap_bars(&mc->fn);
}

/* The last reference of a port gone (tty_port_put): when all of them are,
 * nothing can reach mc any more. */
static void vport_destruct(struct tty_port *tport)
{
	struct macvio_vport *vp = container_of(tport, struct macvio_vport, tport);
	struct macvio_cons *mc = vp->mc;

	if (refcount_dec_and_test(&mc->refs))
		kfree(mc);
}

/* Drop the reference each port was born with; an open tty holds its own. */
static void cons_put(struct macvio_cons *mc)
{
	u32 id;

	for (id = 0; id < VIO_CONS_MAX_PORTS; id++)
		tty_port_put(&mc->ports[id].tport);
}

static void cons_params(struct macvio_cons *mc, struct vio_cons_params *p)
{
	memset(p, 0, sizeof(*p));
	p->features = VIO_CONS_ENGINE_FEATURES;
	p->irq_mode = mc->irq_mode;
	p->dev.dma_is_iommu = device_iommu_mapped(&mc->fn.pdev->dev);
}

int macvio_cons_probe(struct pci_dev *pdev)
{
	struct vio_cons_params p;
	struct macvio_cons *mc;
	char name[32];
	u32 id;
	int err;

	if (!mv_tty)
		return -ENODEV;
	mc = kzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc)
		return -ENOMEM;
	mutex_init(&mc->lock);
	spin_lock_init(&mc->tx_lock);
	INIT_WORK(&mc->ctrl_work, ctrl_work);
	INIT_WORK(&mc->data_work, data_work);
	INIT_DELAYED_WORK(&mc->retry_work, retry_work);
	refcount_set(&mc->refs, VIO_CONS_MAX_PORTS);
	for (id = 0; id < VIO_CONS_MAX_PORTS; id++) {
		mc->ports[id].mc = mc;
		mc->ports[id].id = id;
		tty_port_init(&mc->ports[id].tport);
		mc->ports[id].tport.ops = &vport_ops;
	}
	mc->inst = cons_slot(mc);
	if (mc->inst < 0) {
		cons_put(mc);
		return -ENOSPC;
	}
	pci_set_drvdata(pdev, mc);
	macvio_os_init(&mc->fn, pdev, &mc->cons.dev);
	mc->fn.dma_platform = macvio_platform_needs_dma_api();
	macvio_map_bars(&mc->fn);
	mc->wq = alloc_ordered_workqueue("macvio-cons%d", 0, mc->inst);
	err = mc->wq ? cons_vectors(mc) : -ENOMEM;
	if (err)
		goto fail;
	cons_params(mc, &p);
	err = vio_cons_attach(&mc->cons, &mc->fn.os, &p);
	if (err) {
		err = err == VIO_ENOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	smp_store_release(&mc->attached, true);
	err = cons_request_irqs(mc);
	if (err)
		goto fail;
	mutex_lock(&mc->lock);
	err = vio_cons_start(&mc->cons);
	if (!err)
		ctrl_changes(mc);
	mutex_unlock(&mc->lock);
	if (err) {
		dev_err(&pdev->dev, "console start failed: %s\n", vio_strerror(err));
		err = -EIO;
		goto fail;
	}
	snprintf(name, sizeof(name), "macvio-console-%s", pci_name(pdev));
	mc->dir = debugfs_create_dir(name, NULL);
	debugfs_create_file("stall", 0600, mc->dir, mc, &stall_fops);
	debugfs_create_u64("kcons_emerg", 0400, mc->dir, &mc->kcons_emerg);
	debugfs_create_u64("ctrl_rx", 0400, mc->dir, &mc->cons.stats.ctrl_rx);
	debugfs_create_u64("ctrl_absent", 0400, mc->dir, &mc->cons.stats.ctrl_absent);
	debugfs_create_u64("ctrl_unknown", 0400, mc->dir, &mc->cons.stats.ctrl_unknown);
	debugfs_create_u64("irqs", 0400, mc->dir, &mc->irqs_seen);
	debugfs_create_u64("resumes", 0400, mc->dir, &mc->resumes);
	for (id = 0; id < mc->cons.nports; id++) {
		struct vio_cons_port_stats *st = &mc->cons.ports[id].stats;

		snprintf(name, sizeof(name), "p%u_rx_bytes", id);
		debugfs_create_u64(name, 0400, mc->dir, &st->rx_bytes);
		snprintf(name, sizeof(name), "p%u_tx_bytes", id);
		debugfs_create_u64(name, 0400, mc->dir, &st->tx_bytes);
		snprintf(name, sizeof(name), "p%u_tx_full", id);
		debugfs_create_u64(name, 0400, mc->dir, &st->tx_full);
	}
	dev_info(&pdev->dev, "virtio-console: %u port(s), %s, irq %s, tty mvport%d..\n", mc->cons.nports,
		 mc->cons.dev.pci.modern ? "modern" : "legacy",
		 mc->irq_mode == VIO_IRQ_INTX ? "intx" : "msix", mc->inst * VIO_CONS_MAX_PORTS);
	return 0;

fail:
	cons_teardown(mc);
	cons_put(mc);
	return err;
}

void macvio_cons_remove(struct pci_dev *pdev)
{
	struct macvio_cons *mc = pci_get_drvdata(pdev);

	debugfs_remove_recursive(mc->dir);
	cons_teardown(mc);
	cons_put(mc);
}

/* Suspend: the device is reset (no DMA into a snapshot, and the
 * hypervisor may reset it anyway); the ttys stay. The kernel console
 * falls back to the emergency write, which needs no queue. */
int macvio_cons_suspend(struct pci_dev *pdev)
{
	struct macvio_cons *mc = pci_get_drvdata(pdev);
	unsigned long flags;

	mutex_lock(&mc->lock);
	spin_lock_irqsave(&mc->tx_lock, flags);
	mc->removing = true;
	spin_unlock_irqrestore(&mc->tx_lock, flags);
	mutex_unlock(&mc->lock);
	/* data_work does nothing from here on; wait for one running */
	cancel_work_sync(&mc->data_work);
	cancel_delayed_work_sync(&mc->retry_work);
	vio_cons_stop(&mc->cons);
	return 0;
}

/* The engine set up anew, as the kext's wake does (os/darwin/macvio_cons.cpp
 * startDevice): with nothing of the engine in use (interrupts see
 * attached false and are synchronized, the work items see removing),
 * destroy and attach again; ports the device announces again keep their
 * ttys (an open /dev/mvportN carries on) and hear PORT_OPEN again when
 * open (QEMU forgot: guest_connected is reset with the device); ports it
 * does not announce go. Under mc->lock. */
/* attached off, then wait until no one outside mc->lock is inside the
 * engine: interrupt handlers (synchronize_irq) and the kernel console's
 * emergency write (emerg_users, bounded at 100 ms: they run with
 * interrupts off, so it is never us they wait for). False when one is
 * still inside: the engine must not be freed. */
static bool cons_detach_readers(struct macvio_cons *mc)
{
	int i;

	smp_store_release(&mc->attached, false);
	smp_mb();
	for (i = 0; i < mc->nirqs; i++)
		synchronize_irq(pci_irq_vector(mc->fn.pdev, i));
	for (i = 0; i < 100000 && atomic_read(&mc->emerg_users); i++)
		udelay(1);
	return !atomic_read(&mc->emerg_users);
}

static int cons_reattach(struct macvio_cons *mc)
{
	struct vio_cons_params p;
	bool dma_off = mc->cons.dev.dma_stopped;
	int err;
	u32 id;

	if (!cons_detach_readers(mc))
		return VIO_ETIMEDOUT; /* still inside after 100 ms: leave the old engine to it */
	vio_cons_destroy(&mc->cons);
	cons_params(mc, &p);
	err = vio_cons_attach(&mc->cons, &mc->fn.os, &p);
	if (err)
		return err;
	/* a reset that timed out at suspend turned bus mastering off; this
	 * attach's reset completed: DMA may resume (before DRIVER_OK) */
	if (dma_off)
		vio_pci_bus_master(&mc->cons.dev.pci, true);
	/* removing stays true until the end: writers and data_work keep out
	 * of rings a failed start would free */
	smp_store_release(&mc->attached, true);
	err = vio_cons_start(&mc->cons);
	if (err) {
		bool alone = cons_detach_readers(mc);

		vio_cons_stop(&mc->cons);
		if (alone)
			vio_cons_destroy(&mc->cons);
		return err;
	}
	ctrl_changes(mc);
	for (id = 0; id < VIO_CONS_MAX_PORTS; id++) {
		struct macvio_vport *vp = &mc->ports[id];

		if (!vp->tdev)
			continue;
		if (id >= mc->cons.nports || !mc->cons.ports[id].present)
			vport_remove(mc, id);
		else if (tty_port_initialized(&vp->tport) && !mc->cons.ports[id].console &&
			 (err = vio_cons_port_open(&mc->cons, id, true)))
			/* this port only: the host does not send to it */
			dev_warn(&mc->fn.pdev->dev, "port %u: PORT_OPEN after resume: %s\n", id,
				 vio_strerror(err));
	}
	return VIO_OK;
}

int macvio_cons_resume(struct pci_dev *pdev)
{
	struct macvio_cons *mc = pci_get_drvdata(pdev);
	unsigned long flags;
	int err;
	u32 id;

	cancel_work_sync(&mc->ctrl_work); /* it takes mc->lock */
	mutex_lock(&mc->lock);
	err = cons_reattach(mc);
	if (!err) {
		spin_lock_irqsave(&mc->tx_lock, flags);
		mc->removing = false;
		spin_unlock_irqrestore(&mc->tx_lock, flags);
	}
	/* else: detached (teardown skips what attached says is gone), and
	 * removing still set: writers meet it, readers see nothing */
	mc->resumes++;
	mutex_unlock(&mc->lock);
	if (err) {
		dev_err(&pdev->dev,
			"console: resume failed: %s; ports unusable until the driver is bound again\n",
			vio_strerror(err));
		return 0;
	}
	for (id = 0; id < VIO_CONS_MAX_PORTS; id++)
		if (mc->ports[id].tdev)
			tty_port_tty_wakeup(&mc->ports[id].tport); /* writers that waited for room */
	queue_work(mc->wq, &mc->data_work);			   /* what came in while we slept */
	return 0;
}

void macvio_cons_shutdown(struct pci_dev *pdev)
{
	struct macvio_cons *mc = pci_get_drvdata(pdev);

	vio_cons_stop(&mc->cons);
	pci_clear_master(pdev);
}

int macvio_cons_init(void)
{
	struct tty_driver *d =
	    tty_alloc_driver(MACVIO_CONS_LINES, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	int err;

	if (IS_ERR(d))
		return PTR_ERR(d);
	d->driver_name = "macvio_cons";
	d->name = "mvport";
	d->type = TTY_DRIVER_TYPE_SERIAL;
	d->subtype = SERIAL_TYPE_NORMAL;
	d->init_termios = tty_std_termios;
	/* a virtual line: no modem control, no hangup on close */
	d->init_termios.c_cflag = (d->init_termios.c_cflag | CLOCAL) & ~HUPCL;
	tty_set_operations(d, &mv_tty_ops);
	err = tty_register_driver(d);
	if (err) {
		tty_driver_kref_put(d);
		return err;
	}
	mv_tty = d;
	return 0;
}

void macvio_cons_exit(void)
{
	if (!mv_tty)
		return;
	tty_unregister_driver(mv_tty);
	tty_driver_kref_put(mv_tty);
	mv_tty = NULL;
}
