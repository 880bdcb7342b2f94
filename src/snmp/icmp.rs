//! ICMP errors on an unconnected UDP socket (Linux `IP_RECVERR`).
//!
//! A connected socket learns of "port unreachable" through `recv`, but the
//! probe's socket talks to thousands of targets. With `IP_RECVERR` set, the
//! kernel queues each ICMP error with the destination of the packet that
//! caused it, and `recvmsg(MSG_ERRQUEUE)` reads them back.

use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

#[cfg(target_os = "linux")]
pub fn enable_error_queue(socket: &socket2::Socket, ipv6: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let (level, option) = if ipv6 {
        (libc::SOL_IPV6, libc::IPV6_RECVERR)
    } else {
        (libc::SOL_IP, libc::IP_RECVERR)
    };
    let enable: libc::c_int = 1;
    // SAFETY: the pointer and length describe a live c_int for the duration
    // of the call, as setsockopt requires.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            option,
            (&enable as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// Reads every queued ICMP error. Returns the destination address and port of
/// each failed packet, with the errno the kernel mapped the ICMP message to.
#[cfg(target_os = "linux")]
pub fn drain_error_queue(socket: &tokio::net::UdpSocket) -> Vec<(SocketAddr, i32)> {
    use std::os::fd::AsRawFd;
    let fd = socket.as_raw_fd();
    let mut errors = Vec::new();
    // try_io clears tokio's error readiness once the queue reports empty
    // (WouldBlock), so the next error wakes the probe again.
    let _ = socket.try_io(tokio::io::Interest::ERROR, || {
        // A burst of errors is read in one go; the bound keeps a flood from
        // starving the receive loop.
        for _ in 0..4096 {
            match read_one(fd) {
                Some(entry) => errors.extend(entry),
                None => return Err::<(), _>(std::io::ErrorKind::WouldBlock.into()),
            }
        }
        Ok(())
    });
    errors
}

/// Reads one error-queue message; `None` when the queue is empty.
#[cfg(target_os = "linux")]
fn read_one(fd: libc::c_int) -> Option<Option<(SocketAddr, i32)>> {
    let mut payload = [0u8; 512];
    let mut control = [0u64; 64];
    // SAFETY: sockaddr_storage is plain data; all-zero is a valid value.
    let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec { iov_base: payload.as_mut_ptr().cast(), iov_len: payload.len() };
    // SAFETY: msghdr is plain data; the fields that matter are set below.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_name = (&mut name as *mut libc::sockaddr_storage).cast();
    message.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    message.msg_iov = &mut iov;
    message.msg_iovlen = 1;
    message.msg_control = control.as_mut_ptr().cast();
    message.msg_controllen = std::mem::size_of_val(&control);

    // SAFETY: every pointer in `message` refers to a live local buffer whose
    // length is given beside it.
    let received = unsafe { libc::recvmsg(fd, &mut message, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) };
    if received < 0 {
        return None;
    }
    let destination = socket_address(&name)?;

    // SAFETY: the CMSG macros walk the control buffer the kernel filled,
    // within msg_controllen; the payload of an IP(V6)_RECVERR message starts
    // with a sock_extended_err.
    unsafe {
        let mut header = libc::CMSG_FIRSTHDR(&message);
        while !header.is_null() {
            let level = (*header).cmsg_level;
            let kind = (*header).cmsg_type;
            let is_error = (level == libc::SOL_IP && kind == libc::IP_RECVERR)
                || (level == libc::SOL_IPV6 && kind == libc::IPV6_RECVERR);
            if is_error {
                let error = std::ptr::read_unaligned(libc::CMSG_DATA(header).cast::<libc::sock_extended_err>());
                return Some(Some((destination, error.ee_errno as i32)));
            }
            header = libc::CMSG_NXTHDR(&message, header);
        }
    }
    Some(None)
}

#[cfg(target_os = "linux")]
fn socket_address(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: ss_family shows that the storage contains a sockaddr_in.
            let v4 = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = u32::from_be(v4.sin_addr.s_addr).into();
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(v4.sin_port))))
        }
        libc::AF_INET6 => {
            // SAFETY: ss_family shows that the storage contains a sockaddr_in6.
            let v6 = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = v6.sin6_addr.s6_addr.into();
            let port = u16::from_be(v6.sin6_port);
            Some(SocketAddr::V6(SocketAddrV6::new(ip, port, v6.sin6_flowinfo, v6.sin6_scope_id)))
        }
        _ => None,
    }
}

#[cfg(not(target_os = "linux"))]
pub fn enable_error_queue(_socket: &socket2::Socket, _ipv6: bool) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "IP_RECVERR is Linux-only"))
}

#[cfg(not(target_os = "linux"))]
pub fn drain_error_queue(_socket: &tokio::net::UdpSocket) -> Vec<(SocketAddr, i32)> {
    Vec::new()
}
